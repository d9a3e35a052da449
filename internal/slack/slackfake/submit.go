package slackfake

import (
	"encoding/json"
	"fmt"
	"strings"
)

// inputBlock is an input block of a modal.
type inputBlock struct {
	Type    string `json:"type"`
	BlockID string `json:"block_id"`
	Element struct {
		Type           string   `json:"type"`
		ActionID       string   `json:"action_id"`
		InitialValue   *string  `json:"initial_value"`
		InitialDate    string   `json:"initial_date"`
		InitialTime    string   `json:"initial_time"`
		InitialOption  *option  `json:"initial_option"`
		InitialOptions []any    `json:"initial_options"`
		Options        []option `json:"options"`
	} `json:"element"`
}

type option struct {
	Value string          `json:"value"`
	Text  json.RawMessage `json:"text"`
}

// ViewSubmission builds the view_submission body for user submitting the
// modal viewID. values are keyed by block id and override the inputs'
// initial values, as typed: text, "2026-12-01" for a date picker, "08:00"
// for a time picker, "true"/"false" for checkboxes, an option value for a
// select. A key "<id>" with a value "2026-12-01T08:00" fills the pair of
// blocks "<id>__date" and "<id>__time".
func (s *Server) ViewSubmission(user, viewID string, values map[string]string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.views[viewID]
	if !ok {
		return "", fmt.Errorf("no view %s", viewID)
	}
	if v.User != user {
		return "", fmt.Errorf("view %s belongs to %s", viewID, v.User)
	}
	var blocks []inputBlock
	_ = json.Unmarshal(v.Blocks, &blocks)
	state := map[string]map[string]any{}
	for _, b := range blocks {
		if b.Type != "input" {
			continue
		}
		val, set := values[b.BlockID]
		if !set {
			for _, suf := range []string{"__date", "__time"} {
				if base, ok := strings.CutSuffix(b.BlockID, suf); ok {
					if dt, ok := values[base]; ok {
						d, t, _ := strings.Cut(dt, "T")
						val, set = map[string]string{"__date": d, "__time": t}[suf], true
					}
				}
			}
		}
		e := b.Element
		st := map[string]any{"type": e.Type}
		switch e.Type {
		case "plain_text_input", "number_input", "email_text_input", "url_text_input":
			switch {
			case set:
				st["value"] = val
			case e.InitialValue != nil:
				st["value"] = *e.InitialValue
			default:
				st["value"] = nil
			}
		case "datepicker":
			st["selected_date"] = pick(set, val, e.InitialDate)
		case "timepicker":
			st["selected_time"] = pick(set, val, e.InitialTime)
		case "checkboxes":
			sel := []option{}
			if (set && val == "true") || (!set && len(e.InitialOptions) > 0) {
				sel = e.Options
			}
			st["selected_options"] = sel
		case "static_select", "radio_buttons":
			st["selected_option"] = nil
			if !set && e.InitialOption != nil {
				st["selected_option"] = e.InitialOption
			}
			for _, o := range e.Options {
				if set && o.Value == val {
					st["selected_option"] = o
				}
			}
		default:
			return "", fmt.Errorf("input element %s not supported by the fake", e.Type)
		}
		state[b.BlockID] = map[string]any{e.ActionID: st}
	}
	u := s.users[user]
	return formPayload(map[string]any{
		"type": "view_submission", "api_app_id": DefaultAppID, "token": "unused-verification-token",
		"team":       map[string]any{"id": s.TeamID, "domain": "fake"},
		"user":       map[string]any{"id": user, "username": u.Name, "name": u.Name, "team_id": u.TeamID},
		"trigger_id": s.trigger(user),
		"view": map[string]any{"id": v.ID, "hash": v.Hash, "type": "modal", "callback_id": v.CallbackID,
			"private_metadata": v.PrivateMetadata, "team_id": s.TeamID, "blocks": v.Blocks,
			"state": map[string]any{"values": state}},
	}), nil
}

func pick(set bool, val, initial string) any {
	if set {
		if val == "" {
			return nil
		}
		return val
	}
	if initial == "" {
		return nil
	}
	return initial
}
