package main

import (
	"context"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tapbot/tapbot/internal/approvals"
)

var (
	noticesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tapbot_notices_total", Help: "Lifecycle notices by kind (submitted, issued, confirmed, …).",
	}, []string{"kind"})
	httpTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tapbot_http_requests_total", Help: "Inbound HTTP requests by route and status code.",
	}, []string{"route", "code"})
	slackConnections = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tapbot_slack_socket_connections",
		Help: "Socket Mode connections Slack reports for this app; alert when above the replica count (a stolen app token joins the pool).",
	})
)

// countingNotifier counts notices for /metrics and forwards them.
type countingNotifier struct{ next approvals.Notifier }

func (c countingNotifier) Notify(ctx context.Context, n approvals.Notice) error {
	noticesTotal.WithLabelValues(string(n.Kind)).Inc()
	return c.next.Notify(ctx, n)
}

// counted wraps h to count responses by status for /metrics.
func counted(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r)
		httpTotal.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (s *statusWriter) WriteHeader(code int) { s.code = code; s.ResponseWriter.WriteHeader(code) }
