package teams_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams"
)

func TestValidTokenHandled(t *testing.T) {
	f := newFixture(t)
	status, _ := f.post(f.personal("<at>tapbot</at> request sarah"), "valid")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	ev := f.waitEvents(1)[0]
	if ev.Kind != chat.KindMessage || ev.Text != "request sarah" || !ev.Direct {
		t.Errorf("event = %+v", ev)
	}
	want := chat.User{Platform: teams.Platform, ID: "29:megan", EntraID: megan, Name: "Megan Bowen", Team: tenantID}
	if ev.User != want {
		t.Errorf("user = %+v, want %+v", ev.User, want)
	}
	if ev.Conversation.Conversation != "a:megan-chat" || ev.Conversation.Extra != f.conn.URL || ev.DeliveryID == "" {
		t.Errorf("conversation ref = %+v, delivery %q", ev.Conversation, ev.DeliveryID)
	}
}

func TestForeignTenantAndServiceURLRefused(t *testing.T) {
	f := newFixture(t)
	foreign := f.personal("hi")
	foreign["conversation"].(map[string]any)["tenantId"] = "00000000-0000-0000-0000-0000000000ff"
	foreign["channelData"] = map[string]any{"tenant": map[string]any{"id": "00000000-0000-0000-0000-0000000000ff"}}
	mixed := f.personal("hi")
	mixed["channelData"] = map[string]any{"tenant": map[string]any{"id": "00000000-0000-0000-0000-0000000000ff"}}
	evil := f.personal("hi")
	evil["serviceUrl"] = "https://evil.example/"
	for name, act := range map[string]map[string]any{"foreign tenant": foreign, "tenants disagree": mixed, "serviceUrl host": evil} {
		if status, _ := f.post(act, "valid"); status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, status)
		}
	}
	f.a.Wait()
	if n := len(f.h.all()); n != 0 {
		t.Fatalf("%d refused activities reached the handler", n)
	}
}

func TestDuplicateActivityHandledOnce(t *testing.T) {
	f := newFixture(t)
	act := f.personal("status")
	for range 3 {
		if status, _ := f.post(act, "valid"); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
	}
	f.waitEvents(1)
}

func TestInvokeAnsweredInResponseOnly(t *testing.T) {
	f := newFixture(t)
	const pass = "Zq7-#x9*Lm"
	// The ready card was posted earlier to Megan's chat.
	ref, err := f.a.Send(context.Background(), chat.Address{Platform: teams.Platform, Kind: chat.ToUser, EntraID: megan},
		chat.Message{Title: "Approved", Buttons: []chat.Button{{Action: chat.ActionReveal, Label: "Reveal pass", Value: "req-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	f.h.react = func(ctx context.Context, ev chat.Event) {
		if ev.Kind != chat.KindAction || ev.Action != chat.ActionReveal || ev.Value != "req-1" || ev.User.EntraID != megan {
			t.Errorf("reveal event = %+v", ev)
		}
		if err := ev.Reply(ctx, chat.Message{Title: "Your pass", Secret: tap.NewSecret(pass)}); err != nil {
			t.Errorf("reply: %v", err)
		}
		// The posted card is updated for everyone, without the pass.
		if err := f.a.Update(ctx, ev.Message, chat.Message{Title: "Revealed at 13:05"}); err != nil {
			t.Errorf("update: %v", err)
		}
	}
	status, body := f.post(f.execute(ref.Conversation, "personal", "29:megan", megan, chat.ActionReveal,
		map[string]any{"action": chat.ActionReveal, "value": "req-1"}, ref.Message), "valid")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var resp struct {
		StatusCode int             `json:"statusCode"`
		Type       string          `json:"type"`
		Value      json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Type != "application/vnd.microsoft.card.adaptive" || !strings.Contains(string(resp.Value), pass) {
		t.Fatalf("invoke response does not carry the pass card: %s", body)
	}
	f.a.Wait()
	if strings.Contains(f.wire(), pass) {
		t.Fatal("the pass reached the Bot Connector")
	}
	conv, _ := f.conn.Conversation(ref.Conversation)
	if len(conv.Activities) != 1 || conv.Activities[0].Updates != 1 || !strings.Contains(string(conv.Activities[0].Raw), "Revealed at") {
		t.Fatalf("posted card not updated in place: %+v", conv.Activities)
	}
}

func TestInvokeWithoutReplyGetsCard(t *testing.T) {
	f := newFixture(t)
	status, body := f.post(f.execute(approvers+";messageid=17", "channel", "29:alex", alex, chat.ActionApprove,
		map[string]any{"action": chat.ActionApprove, "value": "req-1"}, "17"), "valid")
	if status != http.StatusOK || !strings.Contains(string(body), `"type":"application/vnd.microsoft.card.adaptive"`) {
		t.Fatalf("status %d body %s", status, body)
	}
	ev := f.waitEvents(1)[0]
	if ev.Kind != chat.KindAction || ev.Action != chat.ActionApprove || ev.Direct || ev.Message.Message != "17" ||
		ev.Message.Conversation != approvers {
		t.Errorf("event = %+v", ev)
	}
}

func TestFormSubmitViaExecuteAndSubmit(t *testing.T) {
	f := newFixture(t)
	data := map[string]any{"form": chat.FormRequest, "state": "s1", "target": "sarah@contoso.com",
		"start_date": "2026-12-01", "start_time": "08:00", "lifetime": "480", "one_time": "false"}
	f.post(f.execute("a:megan-chat", "personal", "29:megan", megan, chat.FormRequest, data, "5"), "valid")
	submit := f.personal("")
	submit["value"] = map[string]any{"action": chat.ActionSay, "value": "confirm"}
	submit["replyToId"] = "6"
	f.post(submit, "valid")
	evs := f.waitEvents(2)
	var form, say chat.Event
	for _, ev := range evs {
		if ev.Kind == chat.KindForm {
			form = ev
		} else {
			say = ev
		}
	}
	if form.Form != chat.FormRequest || form.State != "s1" || form.Fields["start"] != "2026-12-01T08:00" ||
		form.Fields["target"] != "sarah@contoso.com" || len(form.Fields) != 4 {
		t.Errorf("form event = %+v", form)
	}
	if say.Kind != chat.KindAction || say.Action != chat.ActionSay || say.Value != "confirm" || say.Reply != nil {
		t.Errorf("submit event = %+v", say)
	}
}

func TestInstallEventOncePerConversation(t *testing.T) {
	f := newFixture(t)
	act := f.personal("")
	act["type"] = "conversationUpdate"
	act["membersAdded"] = []any{map[string]any{"id": "28:" + appID}}
	f.post(act, "valid")
	act2 := f.personal("")
	act2["type"] = "installationUpdate"
	act2["action"] = "add"
	f.post(act2, "valid")
	act3 := f.personal("")
	act3["type"] = "installationUpdate"
	act3["action"] = "add"
	act3["conversation"] = map[string]any{"id": approvers, "conversationType": "channel", "tenantId": tenantID}
	f.post(act3, "valid")
	evs := f.waitEvents(2)
	if evs[0].Kind != chat.KindInstall || evs[1].Kind != chat.KindInstall || evs[0].Conversation.Conversation == evs[1].Conversation.Conversation {
		t.Errorf("events = %+v", evs)
	}
}

func TestNewRequiresAppIDOutsideLocalMode(t *testing.T) {
	if _, err := teams.New(teams.Config{TenantID: tenantID}, memstore.New(), &recorder{}, nil); err == nil {
		t.Fatal("New accepted an empty app id outside local mode")
	}
}

// localRequest posts act to a local-mode adapter from remote, as the
// Agents Playground does: JSON to 127.0.0.1:3978, no Origin.
func localRequest(t *testing.T, a *teams.Adapter, act map[string]any, remote string, mods ...func(*http.Request)) *httptest.ResponseRecorder {
	t.Helper()
	b, _ := json.Marshal(act)
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:3978/api/messages", strings.NewReader(string(b)))
	req.RemoteAddr = remote
	req.Header.Set("Content-Type", "application/json")
	for _, m := range mods {
		m(req)
	}
	rec := httptest.NewRecorder()
	a.HTTPHandler().ServeHTTP(rec, req)
	return rec
}

func playgroundMessage(text string) map[string]any {
	return map[string]any{
		"type": "message", "id": "pg-1", "channelId": "msteams", "serviceUrl": "http://localhost:56150/_connector", "text": text,
		"from":         map[string]any{"id": "29:megan-bowen", "aadObjectId": megan},
		"recipient":    map[string]any{"id": "28:tapbot-local"},
		"conversation": map[string]any{"id": "a:tapbot-megan-bowen", "conversationType": "personal", "tenantId": tenantID},
	}
}

func TestLocalModeLoopbackOnly(t *testing.T) {
	h := &recorder{}
	a, err := teams.New(teams.Config{LocalMode: true, TenantID: tenantID}, memstore.New(), h, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, remote := range []string{"10.0.0.7:5555", "192.168.1.2:80", "[2001:db8::1]:443"} {
		if rec := localRequest(t, a, playgroundMessage("hi"), remote); rec.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", remote, rec.Code)
		}
	}
	evil := playgroundMessage("hi")
	evil["serviceUrl"] = "http://evil.example/"
	if rec := localRequest(t, a, evil, "127.0.0.1:4000"); rec.Code != http.StatusForbidden {
		t.Errorf("non-loopback serviceUrl: status %d, want 403", rec.Code)
	}
	if rec := localRequest(t, a, playgroundMessage("hi"), "127.0.0.1:4000"); rec.Code != http.StatusOK {
		t.Errorf("loopback: status %d, want 200", rec.Code)
	}
	a.Wait()
	if evs := h.all(); len(evs) != 1 || evs[0].Text != "hi" {
		t.Fatalf("events = %+v", evs)
	}
}

func TestInvokeDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &recorder{react: func(ctx context.Context, ev chat.Event) {
			time.Sleep(10 * time.Second) // Graph is slow
			// A pass must never go anywhere but the click's own answer.
			if err := ev.Reply(ctx, chat.Message{Text: "late", Secret: tap.NewSecret("Gx7#kP2m!qR9")}); err == nil {
				t.Error("a secret reply after the invoke was answered succeeded")
			}
		}}
		a, err := teams.New(teams.Config{LocalMode: true}, memstore.New(), h, nil)
		if err != nil {
			t.Fatal(err)
		}
		act := playgroundMessage("")
		act["type"], act["name"] = "invoke", "adaptiveCard/action"
		act["value"] = map[string]any{"action": map[string]any{"verb": chat.ActionApprove, "data": map[string]any{"action": chat.ActionApprove, "value": "r"}}}
		start := time.Now()
		rec := localRequest(t, a, act, "127.0.0.1:1")
		if took := time.Since(start); took >= 5*time.Second || rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Working on it") {
			t.Errorf("answered after %v with %d %s", took, rec.Code, rec.Body)
		}
		a.Wait()
	})
}

// TestLateResultIsPosted: a click answered "Working on it… the result will
// be posted here" gets its result posted in the card's conversation when
// the handler finishes.
func TestLateResultIsPosted(t *testing.T) {
	release := make(chan struct{})
	f := newFixture(t, teams.WithInvokeDeadline(50*time.Millisecond))
	f.h.react = func(ctx context.Context, ev chat.Event) {
		<-release // Graph is slow: the invoke is answered meanwhile
		if err := ev.Reply(ctx, chat.Message{Text: "Approved by Alex Wilber, late but done."}); err != nil {
			t.Errorf("late reply: %v", err)
		}
	}
	conv := approvers + ";messageid=17"
	status, body := f.post(f.execute(conv, "channel", "29:alex", alex, chat.ActionApprove,
		map[string]any{"action": chat.ActionApprove, "value": "req-1"}, "17"), "valid")
	if status != http.StatusOK || !strings.Contains(string(body), "Working on it") {
		t.Fatalf("status %d body %s", status, body)
	}
	close(release)
	f.a.Wait()
	last, ok := f.conn.Last(conv)
	if !ok || !strings.Contains(string(last.Raw), "late but done") {
		t.Fatalf("late result not posted in the card's conversation: %+v", last)
	}
}

func TestMalformedRequests(t *testing.T) {
	f := newFixture(t)
	resp, err := f.srv.Client().Get(f.srv.URL + "/api/messages")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
	big := f.personal(strings.Repeat("x", 300<<10))
	if status, _ := f.post(big, "valid"); status != http.StatusRequestEntityTooLarge {
		t.Errorf("300 KiB body: %d, want 413", status)
	}
	notJSON, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/messages", strings.NewReader("{nope"))
	notJSON.Header.Set("Authorization", f.idp.Header(f.conn.URL))
	notJSON.Header.Set("Content-Type", "application/json")
	resp, err = f.srv.Client().Do(notJSON)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad JSON: %d", resp.StatusCode)
	}
	f.a.Wait()
	if n := len(f.h.all()); n != 0 {
		t.Fatalf("%d malformed requests reached the handler", n)
	}
}

// TestHandlerPanicIsContained: a panic in the core while handling one
// activity is logged and does not take the process down.
func TestHandlerPanicIsContained(t *testing.T) {
	h := chat.HandlerFunc(func(context.Context, chat.Event) { panic("boom") })
	a, err := teams.New(teams.Config{LocalMode: true}, memstore.New(), h, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.HTTPHandler())
	defer srv.Close()
	body := `{"type":"message","id":"p-1","channelId":"msteams","serviceUrl":"http://127.0.0.1:56150/_connector",
		"from":{"id":"29:x","aadObjectId":"a1f4c1e2-0000-4000-8000-000000000001"},"recipient":{"id":"28:bot"},
		"conversation":{"id":"a:x","conversationType":"personal"},"text":"hi"}`
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	a.Wait() // returns: the panic stayed in its goroutine
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
}
