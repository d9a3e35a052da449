package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"

	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/tap"
)

// exported returns every metric name /metrics can export, with its label
// names, read from the collectors' descriptors.
func exported(t *testing.T) map[string][]string {
	t.Helper()
	descRE := regexp.MustCompile(`fqName: "([^"]+)".*variableLabels: \{([^}]*)\}`)
	out := map[string][]string{}
	for _, c := range metricCollectors(memstore.New()) {
		ch := make(chan *prometheus.Desc, 64)
		go func() { c.Describe(ch); close(ch) }()
		for d := range ch {
			m := descRE.FindStringSubmatch(d.String())
			if m == nil {
				t.Fatalf("cannot read descriptor %s", d)
			}
			var labels []string
			if m[2] != "" {
				labels = strings.Split(m[2], ",")
			}
			out[m[1]] = labels
		}
	}
	return out
}

var (
	metricRE   = regexp.MustCompile(`\b(tapbot_[a-z_]+)\b(\{[^}]*\})?`)
	matcherRE  = regexp.MustCompile(`([a-z_]+)\s*(=~|!~|!=|=)`)
	aggLabelRE = regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
)

// checkExpr fails for a tapbot metric or label the bot does not export,
// and for unbalanced brackets or quotes.
func checkExpr(t *testing.T, where, expr string, metrics map[string][]string) {
	t.Helper()
	refs := metricRE.FindAllStringSubmatch(expr, -1)
	if len(refs) == 0 {
		t.Errorf("%s: no tapbot metric in %q", where, expr)
	}
	known := map[string]bool{}
	for _, ref := range refs {
		labels, ok := metrics[ref[1]]
		if !ok {
			t.Errorf("%s: %s is not a metric tapbot exports", where, ref[1])
			continue
		}
		for _, l := range labels {
			known[l] = true
		}
		for _, m := range matcherRE.FindAllStringSubmatch(ref[2], -1) {
			if !containsString(labels, m[1]) {
				t.Errorf("%s: %s has no label %q (it has %v)", where, ref[1], m[1], labels)
			}
		}
	}
	for _, g := range aggLabelRE.FindAllStringSubmatch(expr, -1) {
		for _, l := range strings.Split(g[1], ",") {
			if l = strings.TrimSpace(l); l != "" && !known[l] {
				t.Errorf("%s: aggregation by %q, a label none of its metrics has", where, l)
			}
		}
	}
	for _, pair := range []string{"()", "{}", "[]"} {
		if strings.Count(expr, pair[:1]) != strings.Count(expr, pair[1:]) {
			t.Errorf("%s: unbalanced %s in %q", where, pair, expr)
		}
	}
	if strings.Count(expr, `"`)%2 != 0 {
		t.Errorf("%s: unbalanced quotes in %q", where, expr)
	}
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// The Grafana dashboard queries only metrics and labels the bot exports.
func TestDashboardQueriesExportedMetrics(t *testing.T) {
	metrics := exported(t)
	b, err := os.ReadFile("../../deploy/grafana/tapbot-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID        string `json:"uid"`
		Templating struct {
			List []struct {
				Name, Query string
			} `json:"list"`
		} `json:"templating"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&dash); err != nil || dash.UID == "" || len(dash.Panels) == 0 {
		t.Fatalf("dashboard: %v", err)
	}
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			checkExpr(t, "panel "+p.Title, tg.Expr, metrics)
		}
	}
	for _, v := range dash.Templating.List {
		if strings.HasPrefix(v.Query, "label_values(") {
			checkExpr(t, "variable "+v.Name, v.Query, metrics)
		}
	}
}

// The alert rules decode strictly in Prometheus's rule-file shape and query
// only what the bot exports.
func TestPrometheusRules(t *testing.T) {
	metrics := exported(t)
	b, err := os.ReadFile("../../deploy/prometheus/tapbot-rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Name     string `yaml:"name"`
			Interval string `yaml:"interval"`
			Rules    []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil || len(file.Groups) == 0 {
		t.Fatalf("rules: %v", err)
	}
	seen := map[string]bool{}
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			if !regexp.MustCompile(`^[A-Z][A-Za-z0-9]+$`).MatchString(r.Alert) || seen[r.Alert] {
				t.Errorf("alert name %q: CamelCase and unique", r.Alert)
			}
			seen[r.Alert] = true
			if r.For != "" {
				if _, err := time.ParseDuration(r.For); err != nil {
					t.Errorf("%s: for %q: %v", r.Alert, r.For, err)
				}
			}
			switch r.Labels["severity"] {
			case "info", "warning", "critical":
			default:
				t.Errorf("%s: severity %q", r.Alert, r.Labels["severity"])
			}
			if r.Annotations["summary"] == "" {
				t.Errorf("%s: no summary", r.Alert)
			}
			checkExpr(t, "alert "+r.Alert, r.Expr, metrics)
		}
	}
}

// /metrics reports the onboarding numbers from the request history.
func TestOnboardingMetrics(t *testing.T) {
	st := memstore.New()
	now := time.Now().UTC()
	ctx := context.Background()
	for i, s := range []tap.State{tap.StateConfirmed, tap.StateConfirmed, tap.StateExpired, tap.StatePending} {
		id := string(rune('a' + i))
		r := &tap.Request{ID: tap.RequestID("r" + id), Reason: tap.ReasonOnboarding, State: s,
			CreatedAt: now.Add(-48 * time.Hour), Requester: tap.Actor{EntraID: "m"},
			Target: tap.User{ID: tap.UserID("t" + id)}, ApprovalsNeeded: 1}
		if s != tap.StatePending {
			r.DecidedAt = now.Add(-47 * time.Hour)
			r.Approvals = []tap.Decision{{Approver: tap.Actor{EntraID: "a"}, At: r.DecidedAt}}
			r.MethodID, r.IssuedAt = "m"+id, now.Add(-47*time.Hour)
		}
		if s == tap.StateConfirmed {
			r.RevealedAt, r.ClosedAt = now.Add(-46*time.Hour), now.Add(-45*time.Hour)
			r.FirstUse = &tap.SignIn{At: now.Add(-46*time.Hour + 30*time.Minute), IP: "203.0.113.7"}
		}
		if err := st.CreateRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(&onboardingCollector{store: st, now: time.Now})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			got[mf.GetName()+"{"+strings.Join(labels, ",")+"}"] = m.GetGauge().GetValue()
		}
	}
	for series, v := range map[string]float64{
		"tapbot_onboarding_requests{outcome=created,reason=onboarding}":                      4,
		"tapbot_onboarding_requests{outcome=issued,reason=onboarding}":                       3,
		"tapbot_onboarding_requests{outcome=confirmed,reason=onboarding}":                    2,
		"tapbot_onboarding_requests{outcome=expired_unused,reason=onboarding}":               1,
		"tapbot_onboarding_requests{outcome=open,reason=onboarding}":                         1,
		"tapbot_onboarding_seconds{quantile=0.5,reason=onboarding,step=request_to_approval}": 3600,
		"tapbot_onboarding_seconds{quantile=0.9,reason=onboarding,step=reveal_to_confirmed}": 3600,
		"tapbot_onboarding_passwordless_adoption_ratio{reason=onboarding}":                   1,
	} {
		if got[series] != v {
			t.Errorf("%s = %v, want %v", series, got[series], v)
		}
	}
	if len(got) < 12 {
		t.Errorf("only %d series: %v", len(got), got)
	}
}
