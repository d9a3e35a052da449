package main

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/testutil"
)

// collector is an OTLP/HTTP trace receiver: it decodes what the exporter
// posts to /v1/traces and keeps the spans.
type collector struct {
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "unexpected "+r.URL.Path+" "+r.Header.Get("Content-Type"), http.StatusBadRequest)
		return
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			c.spans = append(c.spans, ss.Spans...)
		}
	}
	c.mu.Unlock()
	b, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(b)
}

func (c *collector) all() []*tracepb.Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*tracepb.Span(nil), c.spans...)
}

// leaks reports whether an exported value holds the pass or a person's
// UPN, e-mail or name, in any encoding a URL gives it.
func leaks(v, pass string) bool {
	l := strings.ToLower(v)
	return strings.Contains(v, pass) || strings.Contains(l, "contoso.com") || strings.Contains(l, "sarah") || strings.Contains(l, "megan")
}

// With OTEL_EXPORTER_OTLP_ENDPOINT set, an Approve click is one trace from
// the inbound request through the dialog, the approvals step and the Graph
// create to the notices; no span carries the pass or anyone's UPN.
func TestTracesFollowAClick(t *testing.T) {
	col := &collector{}
	srv := httptest.NewServer(col)
	defer srv.Close()
	fake := slackfake.New()
	w, stop := newSlackWorldWith(t, fake, map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL, "OTEL_BSP_SCHEDULE_DELAY": "100"})
	dm, revealTS := w.approvedForMegan(simtenant.DemoSarahUPN)
	b, _ := fake.Click("UMEGAN", dm, revealTS, "Reveal pass")
	w.send(b)
	var pass string
	testutil.Eventually(t, 30*time.Second, "the pass", func() bool {
		for _, v := range fake.ViewsOf("UMEGAN") {
			if pass = preformatted(string(v.Raw)); pass != "" {
				return true
			}
		}
		return false
	})
	if code := stop(); code != 0 { // shutdown flushes the spans
		t.Fatalf("exit %d", code)
	}

	spans := col.all()
	var approve *tracepb.Span
	for _, s := range spans {
		if s.Name == "approvals.approve" {
			approve = s
		}
		for _, kv := range s.Attributes {
			if v := kv.Value.String(); leaks(v, pass) {
				t.Errorf("span %q attribute %s = %s", s.Name, kv.Key, v)
			}
		}
		for _, e := range s.Events {
			for _, kv := range e.Attributes {
				if v := kv.Value.String(); leaks(v, pass) {
					t.Errorf("span %q event %s attribute %s = %s", s.Name, e.Name, kv.Key, v)
				}
			}
		}
	}
	if approve == nil {
		t.Fatalf("no approvals.approve span among %d", len(spans))
	}
	byID := map[string]*tracepb.Span{}
	var inTrace []string
	for _, s := range spans {
		if string(s.TraceId) == string(approve.TraceId) {
			byID[hex.EncodeToString(s.SpanId)] = s
			inTrace = append(inTrace, s.Name)
		}
	}
	// The approve step hangs under the dialog, under the inbound request.
	var chain []string
	for s := approve; s != nil; s = byID[hex.EncodeToString(s.ParentSpanId)] {
		chain = append(chain, s.Name)
	}
	if got := strings.Join(chain, " < "); got != "approvals.approve < dialog < inbound slack" {
		t.Errorf("approve's ancestry = %s", got)
	}
	joined := strings.Join(inTrace, "\n")
	for _, want := range []string{"temporaryAccessPassMethods", "notify."} {
		if !strings.Contains(joined, want) {
			t.Errorf("no %q span in the approve click's trace:\n%s", want, joined)
		}
	}
}
