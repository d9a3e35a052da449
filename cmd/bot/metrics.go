package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/outq"
	"github.com/tapbot/tapbot/internal/tracing"
	"github.com/tapbot/tapbot/internal/workq"
)

var (
	noticesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tapbot_notices_total", Help: "Lifecycle notices delivered, by kind (submitted, issued, confirmed, …).",
	}, []string{"kind"})
	httpTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tapbot_http_requests_total", Help: "Inbound HTTP requests by route and status code.",
	}, []string{"route", "code"})
	securitySuppressed = prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "tapbot_security_notices_suppressed_total",
		Help: "Security notices not sent to the approvers because the same person already triggered one for the same request within the hour (every attempt is audited).",
	}, func() float64 { return float64(approvals.SuppressedNotices()) })
	noticeFailures = prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "tapbot_notice_failures_total",
		Help: "Notice deliveries a chat API did not take; each notice stays in its request's outbox and is retried with backoff.",
	}, func() float64 { return float64(approvals.NoticeFailures()) })
	noticesAbandoned = prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "tapbot_notices_abandoned_total",
		Help: "Notices given up after a day of failed deliveries (each logged at ERROR and audited).",
	}, func() float64 { return float64(approvals.NoticesAbandoned()) })
	noticesOverdue = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tapbot_notices_overdue",
		Help: "Notices past their grace period or retry time at this replica's last sweep (only the replica holding the sweeper lease sweeps).",
	}, func() float64 { return float64(approvals.NoticesOverdue()) })
	// workStats is the running app's work pool, read by the metrics below.
	workStats   atomic.Pointer[workq.Pool]
	inboundBusy = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tapbot_inbound_work_busy", Help: "Inbound chat deliveries running or queued in the bounded work pool.",
	}, func() float64 { return float64(poolStats().Busy) })
	inboundRefused = prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "tapbot_inbound_refused_total",
		Help: "Inbound chat deliveries refused with the work pool full (Teams: 503 + Retry-After, redelivered; Slack: acknowledged and dropped).",
	}, func() float64 { return float64(poolStats().Rejected) })
	slackConnections = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tapbot_slack_socket_connections",
		Help: "Socket Mode connections Slack reports for this app; alert when above the replica count (a stolen app token joins the pool).",
	})
	// outStats is the running app's outbound gate.
	outStats        atomic.Pointer[outq.Gate]
	outboundDropped = prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "tapbot_outbound_replies_dropped_total",
		Help: "Replies to a person's message not sent because a newer reply to the same conversation took their place or too many replies were waiting (a conversation answering 429 or slow). Notices are never dropped.",
	}, func() float64 { return float64(gateStats().Dropped) })
	outboundReplaced = prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "tapbot_outbound_updates_replaced_total",
		Help: "Card updates not sent because a newer drawing of the same card was waiting behind a slow conversation.",
	}, func() float64 { return float64(gateStats().Replaced) })
)

func gateStats() outq.Stats {
	if g := outStats.Load(); g != nil {
		return g.Stats()
	}
	return outq.Stats{}
}

func poolStats() workq.Stats {
	if p := workStats.Load(); p != nil {
		return p.Stats()
	}
	return workq.Stats{}
}

// countingNotifier counts delivered notices for /metrics and forwards
// them (a failed attempt is retried, and counted in
// tapbot_notice_failures_total instead).
type countingNotifier struct{ next approvals.Notifier }

func (c countingNotifier) Notify(ctx context.Context, n approvals.Notice) error {
	err := c.next.Notify(ctx, n)
	if err == nil {
		noticesTotal.WithLabelValues(string(n.Kind)).Inc()
	}
	return err
}

// counted wraps h to count responses by status for /metrics.
func counted(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tracing.Start(r.Context(), "inbound "+route, attribute.String("http.route", r.URL.Path))
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r.WithContext(ctx))
		httpTotal.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
		span.SetAttributes(attribute.Int("http.response.status_code", sw.code))
		span.End()
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (s *statusWriter) WriteHeader(code int) { s.code = code; s.ResponseWriter.WriteHeader(code) }

// minMetricsToken is the shortest metrics_token accepted.
const minMetricsToken = 16

// metricsOnPublic reports whether the operator put /metrics on the public
// listener: metrics_listen is the listen address. (Port 0 is a new free
// port on every listen, so "127.0.0.1:0" twice is two listeners.)
func (c *Config) metricsOnPublic() bool {
	_, port, _ := net.SplitHostPort(c.Listen)
	return c.MetricsListen == c.Listen && port != "0"
}

// metricsProblems validates metrics_listen and metrics_token.
func (c *Config) metricsProblems() []error {
	var errs []error
	if _, port, err := net.SplitHostPort(c.MetricsListen); err != nil {
		errs = append(errs, fmt.Errorf("metrics_listen: %q is not host:port", c.MetricsListen))
	} else if _, err := net.LookupPort("tcp", port); err != nil {
		errs = append(errs, fmt.Errorf("metrics_listen: %q is not a TCP port", port))
	}
	switch {
	case c.metricsOnPublic() && c.MetricsToken == "":
		errs = append(errs, errors.New("metrics_token: required when metrics_listen is the public listener (listen); or give metrics_listen its own address"))
	case c.MetricsToken != "" && len(c.MetricsToken) < minMetricsToken:
		errs = append(errs, fmt.Errorf("metrics_token: use at least %d random characters (openssl rand -hex 16)", minMetricsToken))
	}
	return errs
}

// mountMetrics puts /metrics where the configuration says. On its own
// listener (metrics_listen) it is served with /healthz and /readyz, and
// the returned server must be started on a listener; on the public
// listener it is added to a.mux behind metrics_token and nil is returned.
// /healthz and /readyz stay on the public listener either way (probes).
func (a *app) mountMetrics() *http.Server {
	guarded := requireBearer(a.cfg.MetricsToken, a.metrics)
	if a.cfg.metricsOnPublic() {
		a.mux.Handle("GET /metrics", guarded)
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", guarded)
	mux.Handle("GET /healthz", a.mux)
	mux.Handle("GET /readyz", a.mux)
	return newHTTPServer(mux)
}

// requireBearer serves h only to requests with "Authorization: Bearer
// token"; an empty token serves everyone (a listener of its own).
func requireBearer(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	want := sha256.Sum256([]byte("Bearer " + token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized: metrics need the bearer token (metrics_token)", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
