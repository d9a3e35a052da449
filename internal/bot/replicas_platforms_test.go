package bot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/graph/graphtest"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams"
)

// countingHandler counts the events a replica's adapter hands to the core.
type countingHandler struct {
	next chat.Handler
	n    *atomic.Int32
}

func (h countingHandler) Handle(ctx context.Context, ev chat.Event) {
	h.n.Add(1)
	h.next.Handle(ctx, ev)
}

// teamsInvoke is the Action.Execute activity Teams sends when the user
// with Entra id aad presses a card button.
func teamsInvoke(id, aad, action, value string) map[string]any {
	return map[string]any{
		"type": "invoke", "name": "adaptiveCard/action", "id": id, "channelId": "msteams",
		"serviceUrl": teams.LocalServiceURL, "replyToId": "card-1",
		"from":         map[string]any{"id": "29:" + aad, "aadObjectId": aad},
		"recipient":    map[string]any{"id": "28:tapbot"},
		"conversation": map[string]any{"id": "19:approvers@thread.tacv2", "conversationType": "channel", "tenantId": graphtest.DemoTenantID},
		"channelData":  map[string]any{"tenant": map[string]any{"id": graphtest.DemoTenantID}},
		"value": map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": action,
			"data": map[string]any{"action": action, "value": value}}},
	}
}

// postActivity serves act on a replica's /api/messages, from loopback.
func postActivity(t *testing.T, a *teams.Adapter, act map[string]any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(act)
	req := httptest.NewRequest(http.MethodPost, "/api/messages", strings.NewReader(string(b)))
	req.RemoteAddr = "127.0.0.1:40000"
	rec := httptest.NewRecorder()
	a.HTTPHandler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// TestReplicasTeamsBehindLoadBalancer: Teams redelivers an activity (same
// activity id) and the load balancer sends each copy to another replica:
// the core acts once, the other copies are answered "already handled".
// A second approver's own click, on yet another replica, is told who won.
func TestReplicasTeamsBehindLoadBalancer(t *testing.T) {
	c := newCluster(t, 3, approvals.Config{})
	var handled atomic.Int32
	var adapters []*teams.Adapter
	for _, r := range c.replicas {
		a, err := teams.New(teams.Config{LocalMode: true, TenantID: graphtest.DemoTenantID}, r.store,
			countingHandler{r.router, &handled}, nil)
		if err != nil {
			t.Fatal(err)
		}
		adapters = append(adapters, a)
	}
	id := c.request(c.replicas[0], c.replicas[1], graphtest.DemoSarahUPN)

	act := teamsInvoke("f:act-approve-1", graphtest.DemoAlexID, chat.ActionApprove, string(id))
	bodies := make([]string, len(adapters))
	var wg sync.WaitGroup
	for i, a := range adapters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body := postActivity(t, a, act)
			if code != http.StatusOK {
				t.Errorf("replica %d: status %d", i, code)
			}
			bodies[i] = body
		}()
	}
	wg.Wait()
	for _, a := range adapters {
		a.Wait()
	}
	handledOnce, dropped := 0, 0
	for i, b := range bodies {
		switch {
		case strings.Contains(b, "already handled"):
			dropped++
		case strings.Contains(b, "Done."):
			handledOnce++
		default:
			t.Errorf("replica %d answered %s", i, b)
		}
	}
	if handledOnce != 1 || dropped != 2 || handled.Load() != 1 {
		t.Fatalf("one activity on three replicas: %d acted, %d dropped, core called %d times; want 1, 2, 1",
			handledOnce, dropped, handled.Load())
	}
	if got := c.get(id).State; got != tap.StateIssued {
		t.Fatalf("state = %s, want issued", got)
	}

	_, body := postActivity(t, adapters[2], teamsInvoke("f:act-approve-2", graphtest.DemoIrvinID, chat.ActionApprove, string(id)))
	adapters[2].Wait()
	if !strings.Contains(body, "already approved") {
		t.Errorf("second approver told %s", body)
	}
	if n := c.tenant.Creates(graphtest.DemoSarahID); n != 1 {
		t.Errorf("graph creates = %d, want 1", n)
	}
	if n := c.count(megan.ID, withButton(id, chat.ActionReveal)); n != 1 {
		t.Errorf("%d Reveal messages to the requester, want 1", n)
	}
}
