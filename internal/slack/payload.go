package slack

import (
	"encoding/json"
	"net/url"
	"strings"
)

// The payload structs below hold only the fields tapbot reads. Owning them
// (rather than slack-go's full types) keeps a decode change upstream from
// breaking approvals and keeps the parse before the ack cheap.

// eventEnvelope is an Events API request body (HTTP) or events_api payload
// (Socket Mode).
type eventEnvelope struct {
	Type         string     `json:"type"` // url_verification, event_callback
	Challenge    string     `json:"challenge"`
	TeamID       string     `json:"team_id"`
	EnterpriseID string     `json:"enterprise_id"`
	EventID      string     `json:"event_id"`
	Event        innerEvent `json:"event"`
}

// innerEvent is the event of an event_callback.
type innerEvent struct {
	Type        string `json:"type"` // message, app_mention
	Subtype     string `json:"subtype"`
	User        string `json:"user"`
	UserTeam    string `json:"user_team"`
	BotID       string `json:"bot_id"`
	Text        string `json:"text"`
	Channel     string `json:"channel"`
	ChannelType string `json:"channel_type"`
	TS          string `json:"ts"`
	// Files are the files of a file_share message.
	Files []eventFile `json:"files"`
}

// eventFile is a shared file as a message event describes it.
type eventFile struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	Mimetype           string `json:"mimetype"`
	Filetype           string `json:"filetype"`
	Size               int64  `json:"size"`
	URLPrivateDownload string `json:"url_private_download"`
}

// interaction is a block_actions or view_submission payload.
type interaction struct {
	Type       string `json:"type"`
	TriggerID  string `json:"trigger_id"`
	Team       idObj  `json:"team"`
	Enterprise *idObj `json:"enterprise"`
	User       struct {
		ID     string `json:"id"`
		TeamID string `json:"team_id"`
		Name   string `json:"name"`
	} `json:"user"`
	Container struct {
		Type        string `json:"type"` // message, view, ephemeral?
		MessageTS   string `json:"message_ts"`
		ChannelID   string `json:"channel_id"`
		IsEphemeral bool   `json:"is_ephemeral"`
		ViewID      string `json:"view_id"`
	} `json:"container"`
	Channel idObj         `json:"channel"`
	Actions []blockAction `json:"actions"`
	View    viewPayload   `json:"view"`
}

type idObj struct {
	ID string `json:"id"`
}

type blockAction struct {
	ActionID       string   `json:"action_id"`
	BlockID        string   `json:"block_id"`
	Value          string   `json:"value"`
	ActionTS       string   `json:"action_ts"`
	SelectedOption *option  `json:"selected_option"`
	Type           string   `json:"type"`
	SelectedOpts   []option `json:"selected_options"`
}

type option struct {
	Value string `json:"value"`
}

type viewPayload struct {
	ID              string `json:"id"`
	Hash            string `json:"hash"`
	CallbackID      string `json:"callback_id"`
	PrivateMetadata string `json:"private_metadata"`
	State           struct {
		Values map[string]map[string]stateValue `json:"values"`
	} `json:"state"`
}

// stateValue is one input's current value in view.state.values.
type stateValue struct {
	Type             string   `json:"type"`
	Value            *string  `json:"value"`
	SelectedOption   *option  `json:"selected_option"`
	SelectedOptions  []option `json:"selected_options"`
	SelectedDate     string   `json:"selected_date"`
	SelectedTime     string   `json:"selected_time"`
	SelectedDateTime int64    `json:"selected_date_time"`
}

// slashCommand is a slash command (HTTP form fields or Socket Mode JSON).
type slashCommand struct {
	TeamID       string `json:"team_id"`
	EnterpriseID string `json:"enterprise_id"`
	ChannelID    string `json:"channel_id"`
	UserID       string `json:"user_id"`
	UserName     string `json:"user_name"`
	Command      string `json:"command"`
	Text         string `json:"text"`
	TriggerID    string `json:"trigger_id"`
}

// parseCommandForm reads a slash command from a form-encoded body.
func parseCommandForm(v url.Values) slashCommand {
	return slashCommand{
		TeamID:       v.Get("team_id"),
		EnterpriseID: v.Get("enterprise_id"),
		ChannelID:    v.Get("channel_id"),
		UserID:       v.Get("user_id"),
		UserName:     v.Get("user_name"),
		Command:      v.Get("command"),
		Text:         v.Get("text"),
		TriggerID:    v.Get("trigger_id"),
	}
}

// formPayload returns the url-decoded "payload" field of a form body
// without decoding the other fields (interactivity bodies carry only it).
func formPayload(body []byte) (string, bool) {
	s := string(body)
	for s != "" {
		var kv string
		kv, s, _ = strings.Cut(s, "&")
		k, v, _ := strings.Cut(kv, "=")
		if k != "payload" {
			continue
		}
		p, err := url.QueryUnescape(v)
		if err != nil {
			return "", false
		}
		return p, true
	}
	return "", false
}

func decodeInteraction(raw []byte) (*interaction, error) {
	var in interaction
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, err
	}
	return &in, nil
}
