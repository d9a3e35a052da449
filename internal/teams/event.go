package teams

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
)

// mentionRE matches an <at>…</at> mention in message text.
var mentionRE = regexp.MustCompile(`(?is)<at[^>]*>.*?</at>`)

// event maps an activity to a chat.Event; ok is false for activities the
// core does not act on.
func (a *Adapter) event(act *activity) (chat.Event, bool) {
	tid, _ := act.tenant()
	conv := tap.Ref{Platform: Platform, Conversation: act.Conversation.ID, Extra: act.ServiceURL}
	ev := chat.Event{
		User: chat.User{
			Platform: Platform,
			ID:       act.From.ID,
			EntraID:  tap.UserID(act.From.AadObjectID),
			Name:     act.From.Name,
			Team:     tid,
			Zone:     act.zone,
			Guest:    strings.EqualFold(act.From.UserRole, "guest") || (a.cfg.TenantID != "" && !strings.EqualFold(tid, a.cfg.TenantID)),
		},
		Conversation: conv,
		Direct:       act.Conversation.ConversationType == "personal",
		DeliveryID:   act.ID,
	}
	switch act.Type {
	case schema.Message:
		if len(act.Value) > 0 {
			return clickEvent(ev, act, "", act.Value)
		}
		text := strings.TrimSpace(mentionRE.ReplaceAllString(act.Text, ""))
		ev.File = a.sharedFile(act)
		if text == "" && ev.File == nil {
			return ev, false
		}
		ev.Kind = chat.KindMessage
		ev.Text = text
		return ev, true
	case schema.Invoke:
		action, _ := act.Value["action"].(map[string]any)
		if action == nil {
			return ev, false
		}
		verb, _ := action["verb"].(string)
		data, _ := action["data"].(map[string]any)
		return clickEvent(ev, act, verb, data)
	case schema.ConversationUpdate:
		bot := act.Recipient.ID
		for _, m := range act.MembersAdded {
			if m.ID != "" && m.ID == bot {
				ev.Kind = chat.KindInstall
				return ev, true
			}
		}
	case typeInstallationUpdate:
		if act.Action == "add" || act.Action == "add-upgrade" {
			ev.Kind = chat.KindInstall
			return ev, true
		}
	}
	return ev, false
}

// clickEvent maps card data (Action.Execute data or Action.Submit value)
// to a KindAction or KindForm event.
func clickEvent(ev chat.Event, act *activity, verb string, data map[string]any) (chat.Event, bool) {
	// The clicked message is named as it was posted: a click on a card in a
	// channel arrives in the thread's conversation ("…;messageid=<root>"),
	// the card was posted (and its reference stored) in the channel's.
	ev.Message = tap.Ref{Platform: Platform, Conversation: baseConversation(act.Conversation.ID), Message: act.ReplyToID, Extra: act.ServiceURL}
	if form := str(data[dataForm]); form != "" {
		ev.Kind = chat.KindForm
		ev.Form = form
		ev.State = str(data[dataState])
		ev.Fields = formFields(data)
		return ev, true
	}
	action := str(data[dataAction])
	if action == "" {
		action = verb
	}
	if action == "" {
		return ev, false
	}
	ev.Kind = chat.KindAction
	ev.Action = action
	ev.Value = str(data[dataValue])
	return ev, true
}

// formFields collects the submitted inputs, joining the date and time
// inputs of a datetime field into "2006-01-02T15:04".
func formFields(data map[string]any) map[string]string {
	fields := make(map[string]string, len(data))
	for k, v := range data {
		if reservedData[k] {
			continue
		}
		fields[k] = str(v)
	}
	for k, d := range fields {
		id, ok := strings.CutSuffix(k, dateSuffix)
		if !ok {
			continue
		}
		t, ok := fields[id+timeSuffix]
		if !ok {
			continue
		}
		delete(fields, k)
		delete(fields, id+timeSuffix)
		if d != "" || t != "" {
			if t == "" {
				t = "00:00"
			}
			fields[id] = d + "T" + t
		} else {
			fields[id] = ""
		}
	}
	return fields
}

// str renders a JSON scalar as a string.
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}
