package outq_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/outq"
	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams"
	"github.com/tapbot/tapbot/internal/teams/connector"
	"github.com/tapbot/tapbot/internal/teams/connector/connectortest"
	"github.com/tapbot/tapbot/internal/testutil"
)

const (
	appID    = "0b6e8f47-4c43-4f8a-9d0e-2d1c7b5a9e11"
	tenantID = "6f0e3c4a-7b1d-4c2e-9a8f-3d5b7e9c1a20"
	slow     = "19:slow@thread.tacv2"
	fast     = "19:fast@thread.tacv2"
)

type staticCred struct{}

func (staticCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "test", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// rig is the real Teams adapter and Bot Connector client, wrapped by a
// gate, against the fake connector; conversation slow answers 429 with
// Retry-After: 1 until the test lifts it, and the client keeps retrying.
func rig(t *testing.T, maxReplies int) (*outq.Gate, chat.Messenger, *connectortest.Server) {
	t.Helper()
	conn := connectortest.Start(t)
	conn.Inject(connectortest.Fault{Conversation: slow, Status: 429, RetryAfter: "1", Code: "TooManyRequests", Count: 1 << 30})
	cc, err := connector.New(connector.Config{AppID: appID, TenantID: tenantID, Credential: staticCred{},
		AllowedServiceURLHosts: []string{"127.0.0.1"}, MaxAttempts: 1 << 20, MaxElapsed: time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ad, err := teams.New(teams.Config{AppID: appID, TenantID: tenantID, ApproversConversation: fast, ServiceURL: conn.URL,
		AllowedServiceURLHosts: []string{"127.0.0.1"}}, memstore.New(), chat.HandlerFunc(func(context.Context, chat.Event) {}), nil,
		teams.WithConnector(cc))
	if err != nil {
		t.Fatal(err)
	}
	g := outq.New(maxReplies)
	return g, g.Wrap(ad), conn
}

type result struct {
	ref tap.Ref
	err error
}

// send sends text to conv in the background; reply marks it a reply.
func send(m chat.Messenger, conv, text string, reply bool) <-chan result {
	ctx := context.Background()
	if reply {
		ctx = outq.AsReply(ctx)
	}
	out := make(chan result, 1)
	go func() {
		ref, err := m.Send(ctx, chat.Address{Platform: teams.Platform, Kind: chat.ToChannel, ID: conv}, chat.Message{Text: text})
		out <- result{ref, err}
	}()
	return out
}

func wait(t *testing.T, c <-chan result, what string) result {
	t.Helper()
	select {
	case r := <-c:
		return r
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: still waiting after 30 s", what)
		return result{}
	}
}

func waiting(t *testing.T, g *outq.Gate, n int) {
	t.Helper()
	testutil.Eventually(t, 30*time.Second, "sends waiting", func() bool { return g.Stats().Waiting == n })
}

// TestSlowConversationDoesNotHoldOthers: while one conversation answers
// 429, its notice waits (never dropped), each newer reply to it takes the
// place of the one waiting (the older callers return at once, counted),
// and another conversation's notices and replies are sent meanwhile.
// Once the 429s stop, the notice and the newest reply arrive, in order.
func TestSlowConversationDoesNotHoldOthers(t *testing.T) {
	g, m, conn := rig(t, 0)
	notice := send(m, slow, "notice: request approved", false)
	testutil.Eventually(t, 30*time.Second, "the notice refused with 429", func() bool {
		for _, c := range conn.Calls() {
			if c.ConversationID == slow && c.Status == 429 {
				return true
			}
		}
		return false
	})
	var replies []<-chan result
	for i, text := range []string{"reply 1", "reply 2", "reply 3", "reply 4"} {
		replies = append(replies, send(m, slow, text, true))
		waiting(t, g, 1)
		if i > 0 {
			if r := wait(t, replies[i-1], "an older reply"); !errors.Is(r.err, outq.ErrDropped) {
				t.Fatalf("older reply: err %v, want ErrDropped", r.err)
			}
		}
	}
	for _, reply := range []bool{false, true, false} {
		if r := wait(t, send(m, fast, "to the fast conversation", reply), "the fast conversation"); r.err != nil {
			t.Fatalf("fast conversation: %v", r.err)
		}
	}
	select {
	case r := <-notice:
		t.Fatalf("the slow conversation's notice returned while 429 was answered: %v", r.err)
	default:
	}
	if s := g.Stats(); s.Dropped != 3 || s.Waiting != 1 {
		t.Fatalf("stats %+v, want 3 dropped, 1 waiting", s)
	}

	conn.ClearFaults()
	if r := wait(t, notice, "the notice"); r.err != nil {
		t.Fatalf("notice: %v", r.err)
	}
	if r := wait(t, replies[3], "the newest reply"); r.err != nil {
		t.Fatalf("newest reply: %v", r.err)
	}
	var got []string
	for _, p := range conn.Shown(slow) {
		got = append(got, p.Activity.Text+string(p.Raw))
	}
	if len(got) != 2 || !strings.Contains(got[0], "notice: request approved") || !strings.Contains(got[1], "reply 4") {
		t.Fatalf("slow conversation shows %d messages, want the notice then reply 4:\n%s", len(got), strings.Join(got, "\n"))
	}
}

// TestUpdatesOfOneCardCoalesce: redrawings of one card behind a slow
// conversation: the one waiting is replaced by the newer (its caller
// returns at once), the newest is the one drawn.
func TestUpdatesOfOneCardCoalesce(t *testing.T) {
	g, m, conn := rig(t, 0)
	conn.ClearFaults()
	ref := wait(t, send(m, slow, "card v0", false), "the card").ref
	conn.Inject(connectortest.Fault{Conversation: slow, Status: 429, RetryAfter: "1", Count: 1 << 30})
	update := func(text string) <-chan result {
		out := make(chan result, 1)
		go func() { out <- result{err: m.Update(context.Background(), ref, chat.Message{Text: text})} }()
		return out
	}
	first := update("card v1") // in flight, refused with 429
	testutil.Eventually(t, 30*time.Second, "the first update in flight", func() bool {
		for _, c := range conn.Calls() {
			if c.Op == "update" && c.Status == 429 {
				return true
			}
		}
		return false
	})
	var later []<-chan result
	for i, text := range []string{"card v2", "card v3", "card v4"} {
		later = append(later, update(text))
		waiting(t, g, 1)
		if i > 0 {
			if r := wait(t, later[i-1], "a replaced update"); r.err != nil {
				t.Fatalf("replaced update: %v", r.err)
			}
		}
	}
	if s := g.Stats(); s.Replaced != 2 {
		t.Fatalf("stats %+v, want 2 replaced", s)
	}
	conn.ClearFaults()
	for _, c := range []<-chan result{first, later[2]} {
		if r := wait(t, c, "an update"); r.err != nil {
			t.Fatal(r.err)
		}
	}
	p, _ := conn.Last(slow)
	if !strings.Contains(string(p.Raw), "card v4") || p.Updates != 2 {
		t.Fatalf("card after the storm: %d updates, %s", p.Updates, p.Raw)
	}
}

// TestGlobalCapOnWaitingReplies: with room for two waiting replies, a
// third to yet another slow conversation is dropped at once; a notice
// there still waits.
func TestGlobalCapOnWaitingReplies(t *testing.T) {
	g, m, conn := rig(t, 2)
	conn.ClearFaults()
	convs := []string{"19:s1@thread.tacv2", "19:s2@thread.tacv2", "19:s3@thread.tacv2"}
	var notices []<-chan result
	for _, c := range convs {
		conn.Inject(connectortest.Fault{Conversation: c, Status: 429, RetryAfter: "1", Count: 1 << 30})
		notices = append(notices, send(m, c, "notice", false))
	}
	testutil.Eventually(t, 30*time.Second, "three notices in flight", func() bool {
		seen := map[string]bool{}
		for _, c := range conn.Calls() {
			if c.Status == 429 {
				seen[c.ConversationID] = true
			}
		}
		return len(seen) == 3
	})
	r1, r2 := send(m, convs[0], "reply", true), send(m, convs[1], "reply", true)
	waiting(t, g, 2)
	if r := wait(t, send(m, convs[2], "reply", true), "the third reply"); !errors.Is(r.err, outq.ErrDropped) {
		t.Fatalf("third reply: %v, want ErrDropped", r.err)
	}
	n := send(m, convs[2], "second notice", false)
	waiting(t, g, 3)
	conn.ClearFaults()
	for _, c := range append(notices, r1, r2, n) {
		if r := wait(t, c, "a send"); r.err != nil {
			t.Fatal(r.err)
		}
	}
	if s := g.Stats(); s.Dropped != 1 || s.Waiting != 0 {
		t.Fatalf("stats %+v, want 1 dropped, none waiting", s)
	}
}
