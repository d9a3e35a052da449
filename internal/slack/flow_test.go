package slack

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
)

// scriptedCore plays the router's part in a whole request, to show the
// adapter and slackfake carrying every step as the real core will use them.
type scriptedCore struct {
	a    *Adapter
	mu   sync.Mutex
	card tap.Ref
	dm   tap.Ref
}

func (c *scriptedCore) Handle(ctx context.Context, ev chat.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case ev.Kind == chat.KindCommand && ev.Text == "":
		_ = ev.Reply(ctx, chat.Message{Form: requestForm()})
	case ev.Kind == chat.KindForm && ev.Form == chat.FormRequest:
		_ = ev.Reply(ctx, chat.Message{Text: "Submitted. An approver will decide."})
		c.card, _ = c.a.Send(ctx, chat.Address{Kind: chat.ToChannel}, approvalCard())
	case ev.Kind == chat.KindAction && ev.Action == chat.ActionApprove:
		if ev.User.Guest || ev.User.ID == alice {
			_ = ev.Reply(ctx, chat.Message{Text: "You cannot approve this request."})
			return
		}
		_ = c.a.Update(ctx, ev.Message, chat.Message{Title: "Temporary Access Pass request", Text: "Approved by " + chat.Esc(ev.User.Email)})
		c.dm, _ = c.a.Send(ctx, chat.Address{Kind: chat.ToUser, ID: alice}, chat.Message{Title: "Approved",
			Buttons: []chat.Button{{Action: chat.ActionReveal, Label: "Reveal pass", Value: ev.Value, Style: chat.StylePrimary}}})
	case ev.Kind == chat.KindAction && ev.Action == chat.ActionReveal:
		if ev.User.ID != alice {
			_ = ev.Reply(ctx, chat.Message{Text: "This pass is not yours to reveal."})
			return
		}
		_ = ev.Reply(ctx, revealMessage())
		_, _ = c.a.Send(ctx, chat.Address{Kind: chat.ToUser, ID: alice}, chat.Message{Title: "Guide for Sarah", Text: "Forwardable guide, no pass."})
	}
}

func TestWholeFlowOverHTTP(t *testing.T) {
	e := newEnv(t)
	core := &scriptedCore{a: e.a}
	e.a.h = core
	dm := e.fake.DMChannel(alice)

	e.deliver(t, e.fake.SlashCommand(alice, dm, ""), http.StatusOK)
	e.a.Wait()
	form := e.fake.Views()[0]
	sub, err := e.fake.ViewSubmission(alice, form.ID, map[string]string{"target": "sarah.johnson@contoso.com", "start": "2026-12-01T08:00"})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.deliver(t, sub, http.StatusOK); got != `{"response_action":"clear"}` {
		t.Fatalf("submission answer %s", got)
	}
	e.a.Wait()
	for _, clicker := range []string{gina, alice} { // a guest and the requester: refused
		body, err := e.fake.Click(clicker, approvers, core.card.Message, "Approve")
		if err != nil {
			t.Fatal(err)
		}
		e.deliver(t, body, http.StatusOK)
		e.a.Wait()
	}
	body, _ := e.fake.Click(bob, approvers, core.card.Message, "Approve")
	e.deliver(t, body, http.StatusOK)
	e.deliver(t, body, http.StatusOK) // a double delivery acts once
	e.a.Wait()
	card := e.fake.Messages(approvers)[0]
	if card.Edits != 1 || !strings.Contains(texts(card.Blocks), "Approved by bob@contoso.com") || strings.Contains(string(card.Blocks), "button") {
		t.Fatalf("card not updated in place: %s", card.Blocks)
	}
	for _, u := range []string{gina, alice} {
		if eph := e.fake.Ephemerals(u); len(eph) == 0 || !strings.Contains(eph[len(eph)-1].Text, "cannot approve") {
			t.Errorf("%s got no refusal: %+v", u, eph)
		}
	}
	reveal, _ := e.fake.Click(bob, dm, core.dm.Message, "Reveal pass") // not bob's pass
	e.deliver(t, reveal, http.StatusOK)
	reveal, _ = e.fake.Click(alice, dm, core.dm.Message, "Reveal pass")
	e.deliver(t, reveal, http.StatusOK)
	e.a.Wait()
	var holding []string
	for _, v := range e.fake.Views() {
		if strings.Contains(string(v.Blocks), testPassValue) {
			holding = append(holding, v.User)
		}
	}
	if len(holding) != 1 || holding[0] != alice {
		t.Fatalf("modals holding the pass belong to %v, want only alice", holding)
	}
	noPassAnywhere(t, e.fake, "chat.postMessage", "chat.update", "chat.postEphemeral")
	msgs := e.fake.Messages(dm)
	if last := msgs[len(msgs)-1]; !strings.Contains(last.Text, "Guide for Sarah") {
		t.Fatalf("last DM %+v", last)
	}
}
