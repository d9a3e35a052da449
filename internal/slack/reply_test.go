package slack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/tap"
)

// requestForm is a form like the dialog's request form.
func requestForm() *chat.Form {
	return &chat.Form{ID: chat.FormRequest, Title: "Request a pass", Submit: "Request", State: "draft-7", Fields: []chat.Field{
		{ID: "target", Label: "New hire (UPN or e-mail)", Kind: chat.FieldText, Placeholder: "sarah.johnson@contoso.com"},
		{ID: "start", Label: "Start", Kind: chat.FieldDateTime, Value: "2026-12-01T08:00"},
		{ID: "zone", Label: "New hire's time zone", Kind: chat.FieldSelect, Value: "Europe/Berlin",
			Options: []chat.Option{{Value: "America/Los_Angeles", Label: "Pacific"}, {Value: "Europe/Berlin", Label: "Berlin"}}},
		{ID: "hours", Label: "Lifetime (hours)", Kind: chat.FieldNumber, Value: "8"},
		{ID: "one_time", Label: "One-time use", Kind: chat.FieldToggle, Value: "false"},
		{ID: "reason", Label: "Reason", Kind: chat.FieldSelect, Value: "onboarding",
			Options: []chat.Option{{Value: "onboarding", Label: "Onboarding"}, {Value: "recovery", Label: "Recovery"}}},
		{ID: "justification", Label: "Justification", Kind: chat.FieldTextArea, Optional: true},
	}}
}

func TestSlashCommandOpensForm(t *testing.T) {
	e := newEnv(t)
	e.rec.act = func(ctx context.Context, ev chat.Event) {
		if err := ev.Reply(ctx, chat.Message{Form: requestForm()}); err != nil {
			t.Errorf("reply: %v", err)
		}
	}
	dm := e.fake.DMChannel(alice)
	gate := make(chan struct{})
	act := e.rec.act
	e.rec.act = func(ctx context.Context, ev chat.Event) { <-gate; act(ctx, ev) }
	e.deliver(t, e.fake.SlashCommand(alice, dm, ""), http.StatusOK)
	// The modal is open when the ack is written, before the core answers.
	if v := e.fake.Views(); len(v) != 1 || !strings.Contains(texts(v[0].Blocks), "Loading") {
		t.Fatalf("no loading modal at ack time: %+v", v)
	}
	close(gate)
	ev := e.rec.next(t)
	e.a.Wait()
	if ev.Kind != chat.KindCommand || ev.Text != "" || !ev.Direct {
		t.Fatalf("event %+v", ev)
	}
	views := e.fake.Views()
	if len(views) != 1 || views[0].CallbackID != chat.FormRequest || views[0].User != alice || views[0].Updates != 1 {
		t.Fatalf("views %+v", views)
	}
	if m := decodeMeta(views[0].PrivateMetadata); m.State != "draft-7" || m.Channel != dm {
		t.Fatalf("metadata %+v", m)
	}
}

func TestViewSubmissionFieldsAndErrors(t *testing.T) {
	e := newEnv(t)
	var reply chat.Message
	e.rec.act = func(ctx context.Context, ev chat.Event) {
		switch ev.Kind {
		case chat.KindCommand:
			_ = ev.Reply(ctx, chat.Message{Form: requestForm()})
		case chat.KindForm:
			_ = ev.Reply(ctx, reply)
		}
	}
	e.deliver(t, e.fake.SlashCommand(alice, approvers, ""), http.StatusOK)
	e.rec.next(t)
	viewID := e.fake.Views()[0].ID

	// 1. The handler finds errors: the modal stays with inline errors.
	f := requestForm()
	f.Fields[0].Error = "No user sarah@contoso.com in the directory."
	f.Fields[1].Error = "The start is in the past."
	reply = chat.Message{Form: f}
	body, err := e.fake.ViewSubmission(alice, viewID, map[string]string{"target": "sarah@contoso.com", "start": "2020-01-01T07:30",
		"one_time": "true", "reason": "recovery", "justification": "laptop <!channel> stolen"})
	if err != nil {
		t.Fatal(err)
	}
	got := e.deliver(t, body, http.StatusOK)
	ev := e.rec.next(t)
	wantFields := map[string]string{"target": "sarah@contoso.com", "start": "2020-01-01T07:30", "zone": "Europe/Berlin",
		"hours": "8", "one_time": "true", "reason": "recovery", "justification": "laptop <!channel> stolen"}
	if ev.Kind != chat.KindForm || ev.Form != chat.FormRequest || ev.State != "draft-7" || ev.Conversation.Conversation != approvers {
		t.Fatalf("event %+v", ev)
	}
	for k, v := range wantFields {
		if ev.Fields[k] != v {
			t.Errorf("field %s = %q, want %q", k, ev.Fields[k], v)
		}
	}
	var res struct {
		Action string            `json:"response_action"`
		Errors map[string]string `json:"errors"`
	}
	if err := json.Unmarshal([]byte(got), &res); err != nil {
		t.Fatal(err)
	}
	if res.Action != "errors" || res.Errors["target"] == "" || res.Errors["start__date"] == "" || len(res.Errors) != 2 {
		t.Fatalf("response %s", got)
	}

	// 2. Accepted: the modal closes and the text reply is posted privately.
	reply = chat.Message{Text: "Request submitted for *" + chat.Esc("Sarah <Johnson>") + "*."}
	body, _ = e.fake.ViewSubmission(alice, viewID, map[string]string{"target": "sarah.johnson@contoso.com"})
	if got := e.deliver(t, body, http.StatusOK); got != `{"response_action":"clear"}` {
		t.Fatalf("response %s", got)
	}
	e.rec.next(t)
	e.a.Wait()
	eph := e.fake.Ephemerals(alice)
	if len(eph) != 1 || !strings.Contains(texts(eph[0].Blocks), "Sarah &lt;Johnson&gt;") {
		t.Fatalf("ephemerals %+v", eph)
	}
}

func TestViewSubmissionSlowHandler(t *testing.T) {
	e := newEnv(t)
	e.a.submitWait = 50 * 1e6 // 50 ms
	release := make(chan struct{})
	e.rec.act = func(ctx context.Context, ev chat.Event) {
		switch ev.Kind {
		case chat.KindCommand:
			_ = ev.Reply(ctx, chat.Message{Form: requestForm()})
		case chat.KindForm:
			<-release
			if err := ev.Reply(ctx, chat.Message{Text: "Still working: submitted."}); err != nil {
				t.Errorf("late reply: %v", err)
			}
		}
	}
	dm := e.fake.DMChannel(alice)
	e.deliver(t, e.fake.SlashCommand(alice, dm, ""), http.StatusOK)
	e.rec.next(t)
	body, _ := e.fake.ViewSubmission(alice, e.fake.Views()[0].ID, nil)
	if got := e.deliver(t, body, http.StatusOK); got != `{"response_action":"clear"}` {
		t.Fatalf("response %s", got)
	}
	close(release)
	e.rec.next(t)
	msgs := e.fake.Messages(dm)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Still working") {
		t.Fatalf("dm %+v", msgs)
	}
}

// revealMessage is what the core answers a Reveal click with.
func revealMessage() chat.Message {
	return chat.Message{
		Title:     "Pass for Sarah Johnson",
		Text:      "Give this pass to *" + chat.Esc("Sarah Johnson") + "* in person.\n" + chat.Esc("Guide: "+hostile),
		Secret:    tap.NewSecret(testPassValue),
		SecretCap: "Temporary Access Pass",
		Facts: []chat.Fact{{Label: "Activates", Value: "Mon 1 Dec 08:00 CET (07:00 UTC)"},
			{Label: "Expires", Value: "Mon 1 Dec 16:00 CET (15:00 UTC)"}, {Label: "One-time", Value: "No"}},
		Note: "Shown once and never stored in chat.",
	}
}

func TestRevealOpensModalAtOnceAndOnlyItHoldsThePass(t *testing.T) {
	e := newEnv(t)
	dm := e.fake.DMChannel(alice)
	ref, err := e.a.Send(context.Background(), chat.Address{Kind: chat.ToUser, ID: alice},
		chat.Message{Title: "Approved", Text: "Your request was approved.",
			Buttons: []chat.Button{{Action: chat.ActionReveal, Label: "Reveal pass", Value: "req-1", Style: chat.StylePrimary}}})
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	e.rec.act = func(ctx context.Context, ev chat.Event) {
		<-gate
		if err := ev.Reply(ctx, revealMessage()); err != nil {
			t.Errorf("reveal reply: %v", err)
		}
		// A later plain reply must not replace the pass in the modal.
		if err := ev.Reply(ctx, chat.Message{Text: "Forwardable guide sent."}); err != nil {
			t.Errorf("second reply: %v", err)
		}
	}
	click, err := e.fake.Click(alice, dm, ref.Message, "Reveal pass")
	if err != nil {
		t.Fatal(err)
	}
	e.deliver(t, click, http.StatusOK)
	// The loading modal exists when the ack is written, before the core answers.
	views := e.fake.Views()
	if len(views) != 1 || !strings.Contains(string(views[0].Blocks), "Loading") {
		t.Fatalf("no loading modal at ack time: %+v", views)
	}
	close(gate)
	e.rec.next(t)
	e.a.Wait()
	v, _ := e.fake.View(views[0].ID)
	if v.Updates != 1 || !strings.Contains(string(v.Blocks), testPassValue) || !strings.Contains(string(v.Blocks), "rich_text_preformatted") {
		t.Fatalf("modal after reveal: %s", v.Blocks)
	}
	if len(e.fake.Calls("views.update")) != 1 {
		t.Fatalf("views.update calls %d", len(e.fake.Calls("views.update")))
	}
	noPassAnywhere(t, e.fake, "chat.postMessage", "chat.update", "chat.postEphemeral", "conversations.open", "users.info")
	for _, m := range e.fake.Messages(dm) {
		if strings.Contains(string(m.Blocks)+m.Text, testPassValue) {
			t.Fatal("pass persisted in the DM")
		}
	}
	// Persisted surfaces refuse the pass outright.
	if _, err := e.a.Send(context.Background(), chat.Address{Kind: chat.ToUser, ID: alice}, revealMessage()); !errors.Is(err, chat.ErrSecretInPersistent) {
		t.Fatalf("send with secret: %v", err)
	}
	if err := e.a.Update(context.Background(), ref, revealMessage()); !errors.Is(err, chat.ErrSecretInPersistent) {
		t.Fatalf("update with secret: %v", err)
	}
}

func TestSecretReplyWithoutPrivateSurfaceRefused(t *testing.T) {
	e := newEnv(t)
	errc := make(chan error, 1)
	e.rec.act = func(ctx context.Context, ev chat.Event) { errc <- ev.Reply(ctx, revealMessage()) }
	e.deliver(t, e.fake.DM(alice, "show me the pass"), http.StatusOK)
	e.rec.next(t)
	if err := <-errc; !errors.Is(err, chat.ErrSecretInPersistent) {
		t.Fatalf("reply with secret to a DM message: %v", err)
	}
	noPassAnywhere(t, e.fake, "chat.postMessage", "chat.postEphemeral")
}

func TestReplyEphemeralFallsBackToDM(t *testing.T) {
	e := newEnv(t)
	e.fake.AddChannel("C0RANDOM") // the bot is in it, alice is not
	e.rec.act = func(ctx context.Context, ev chat.Event) {
		if err := ev.Reply(ctx, chat.Message{Text: "You have no pending requests."}); err != nil {
			t.Errorf("reply: %v", err)
		}
	}
	e.deliver(t, e.fake.SlashCommand(alice, "C0RANDOM", "status"), http.StatusOK)
	e.rec.next(t)
	if msgs := e.fake.Messages(e.fake.DMChannel(alice)); len(msgs) != 1 {
		t.Fatalf("no DM fallback: %+v", msgs)
	}
	// In a channel both are in, the reply is ephemeral.
	e.deliver(t, e.fake.SlashCommand(alice, approvers, "status"), http.StatusOK)
	e.rec.next(t)
	if eph := e.fake.Ephemerals(alice); len(eph) != 1 || eph[0].Channel != approvers {
		t.Fatalf("ephemerals %+v", eph)
	}
}

func TestSendUpdateAndUnreachable(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	card := chat.Message{Title: "TAP request", Text: "For *Sarah*",
		Buttons: []chat.Button{{Action: chat.ActionApprove, Label: "Approve", Value: "r1", Style: chat.StylePrimary, Confirm: "Create a pass now?"},
			{Action: chat.ActionDeny, Label: "Deny", Value: "r1", Style: chat.StyleDanger}}}
	ref, err := e.a.Send(ctx, chat.Address{Platform: Platform, Kind: chat.ToChannel}, card)
	if err != nil || ref.Conversation != approvers || ref.Platform != Platform || ref.Message == "" {
		t.Fatalf("send: %+v %v", ref, err)
	}
	if err := e.a.Update(ctx, ref, chat.Message{Title: "TAP request", Text: "Approved by Bob at 14:02"}); err != nil {
		t.Fatal(err)
	}
	msgs := e.fake.Messages(approvers)
	if len(msgs) != 1 || msgs[0].Edits != 1 || strings.Contains(string(msgs[0].Blocks), "tap_approve") {
		t.Fatalf("card after update: %+v", msgs)
	}
	for _, addr := range []chat.Address{
		{Kind: chat.ToChannel, ID: "C0MISSING"},
		{Kind: chat.ToUser, ID: "U0NOBODY"},
		{Kind: chat.ToUser, ID: slackfake.DefaultBotUser},
		{Kind: chat.ToUser, EntraID: "no-such-entra-id"},
	} {
		if _, err := e.a.Send(ctx, addr, chat.Message{Text: "x"}); !errors.Is(err, chat.ErrUnreachable) {
			t.Errorf("send to %+v: %v, want ErrUnreachable", addr, err)
		}
	}
	e.fake.AddChannel("C0LEFT")
	e.fake.FailNext("chat.postMessage", "not_in_channel", 1)
	if _, err := e.a.Send(ctx, chat.Address{Kind: chat.ToChannel, ID: "C0LEFT"}, chat.Message{Text: "x"}); !errors.Is(err, chat.ErrUnreachable) {
		t.Errorf("not_in_channel: %v", err)
	}
	if err := e.a.Update(ctx, tap.Ref{Platform: "teams", Conversation: "a", Message: "b"}, chat.Message{Text: "x"}); !errors.Is(err, tap.ErrInvalidInput) {
		t.Errorf("foreign ref: %v", err)
	}
}

func TestRevealWithoutAnswerClosesLoading(t *testing.T) {
	e := newEnv(t)
	e.deliver(t, e.fake.BlockAction(bob, e.fake.DMChannel(bob), "1700000000.000100", chat.ActionReveal, "req-1"), http.StatusOK)
	e.rec.next(t)
	e.a.Wait()
	views := e.fake.Views()
	if len(views) != 1 || views[0].Updates != 1 || !strings.Contains(texts(views[0].Blocks), "nothing to show") {
		t.Fatalf("views %+v", views)
	}
}

func TestRevealWithoutModalIsNotDispatched(t *testing.T) {
	e := newEnv(t)
	e.fake.FailNext("views.open", "expired_trigger_id", 1)
	dm := e.fake.DMChannel(alice)
	e.deliver(t, e.fake.BlockAction(alice, dm, "1700000000.000100", chat.ActionReveal, "req-1"), http.StatusOK)
	e.a.Wait()
	if n := e.rec.count(); n != 0 {
		t.Fatalf("the core was asked to reveal with no private surface (%d events)", n)
	}
	if last, ok := e.fake.LastMessage(dm); !ok || !strings.Contains(last.Text, "click the button again") {
		t.Fatalf("no notice: %+v", last)
	}
	// The next click works.
	e.deliver(t, e.fake.BlockAction(alice, dm, "1700000000.000100", chat.ActionReveal, "req-1"), http.StatusOK)
	if ev := e.rec.next(t); ev.Action != chat.ActionReveal {
		t.Fatalf("event %+v", ev)
	}
}
