package main

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tapbot/tapbot/internal/stats"
	"github.com/tapbot/tapbot/internal/tap"
)

// onboardingWindow is the cohort /metrics reports: requests created in
// the last 30 days, with what has happened to them so far.
const onboardingWindow = 30 * 24 * time.Hour

// onboardingCache is how long one computation serves scrapes.
const onboardingCache = time.Minute

var (
	onboardingRequests = prometheus.NewDesc("tapbot_onboarding_requests",
		"Requests created in the last 30 days, by reason and by what has happened to them so far (every replica reports the same numbers: aggregate with max).",
		[]string{"reason", "outcome"}, nil)
	onboardingSeconds = prometheus.NewDesc("tapbot_onboarding_seconds",
		"Time between two steps of the requests created in the last 30 days: p50 and p90.",
		[]string{"reason", "step", "quantile"}, nil)
	onboardingAdoption = prometheus.NewDesc("tapbot_onboarding_passwordless_adoption_ratio",
		"Revealed passes that led to a confirmed strong method (Windows Hello, Authenticator, passkey), over the last 30 days.",
		[]string{"reason"}, nil)
	onboardingAdoptionUsed = prometheus.NewDesc("tapbot_onboarding_passwordless_adoption_of_used_ratio",
		"Passes signed in with (seen in the sign-in logs) that led to a confirmed strong method, over the last 30 days; absent when the logs cannot tell.",
		[]string{"reason"}, nil)
	onboardingRating = prometheus.NewDesc("tapbot_onboarding_setup_rating",
		"New hires' average rating of their setup (1 bad to 5 great) over the last 30 days, asked once after they confirm.",
		[]string{"reason"}, nil)
	onboardingRatings = prometheus.NewDesc("tapbot_onboarding_setup_ratings",
		"How many new hires rated their setup over the last 30 days.",
		[]string{"reason"}, nil)
)

// metricCollectors is everything /metrics exports.
func metricCollectors(st tap.Store) []prometheus.Collector {
	return []prometheus.Collector{
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		noticesTotal, httpTotal, slackConnections, securitySuppressed, inboundBusy, inboundRefused,
		noticeFailures, noticesAbandoned, noticesOverdue, outboundDropped, outboundReplaced,
		&onboardingCollector{store: st, now: time.Now},
	}
}

// onboardingCollector computes the article's success metrics from the
// request history at scrape time, at most once a minute.
type onboardingCollector struct {
	store tap.Store
	now   func() time.Time

	mu      sync.Mutex
	at      time.Time
	reports map[tap.Reason]stats.Report
	err     error
}

func (c *onboardingCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- onboardingRequests
	ch <- onboardingSeconds
	ch <- onboardingAdoption
	ch <- onboardingAdoptionUsed
	ch <- onboardingRating
	ch <- onboardingRatings
}

func (c *onboardingCollector) Collect(ch chan<- prometheus.Metric) {
	reports, err := c.load()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(onboardingRequests, err)
		return
	}
	reasons := make([]string, 0, len(reports))
	for r := range reports {
		reasons = append(reasons, string(r))
	}
	sort.Strings(reasons)
	for _, reason := range reasons {
		rep := reports[tap.Reason(reason)]
		for _, o := range []struct {
			name string
			n    int
		}{
			{"created", rep.Created}, {"approved", rep.Approved}, {"denied", rep.Denied}, {"cancelled", rep.Cancelled},
			{"issued", rep.Issued}, {"revealed", rep.Revealed}, {"used", rep.Used}, {"confirmed", rep.Confirmed},
			{"expired_pending", rep.ExpiredPending}, {"expired_unused", rep.ExpiredUnused},
			{"revoked", rep.Revoked}, {"failed", rep.Failed}, {"open", rep.Open},
		} {
			ch <- prometheus.MustNewConstMetric(onboardingRequests, prometheus.GaugeValue, float64(o.n), reason, o.name)
		}
		for _, s := range []struct {
			step string
			m    stats.Median
		}{
			{"request_to_approval", rep.TimeToApprove}, {"issue_to_reveal", rep.TimeToReveal},
			{"reveal_to_first_use", rep.TimeToUse}, {"reveal_to_confirmed", rep.TimeToConfirm},
		} {
			if s.m.N == 0 {
				continue
			}
			ch <- prometheus.MustNewConstMetric(onboardingSeconds, prometheus.GaugeValue, s.m.D.Seconds(), reason, s.step, "0.5")
			ch <- prometheus.MustNewConstMetric(onboardingSeconds, prometheus.GaugeValue, s.m.P90.Seconds(), reason, s.step, "0.9")
		}
		if a, ok := rep.Adoption(); ok {
			ch <- prometheus.MustNewConstMetric(onboardingAdoption, prometheus.GaugeValue, a, reason)
		}
		if u, ok := rep.AdoptionOfUsed(); ok {
			ch <- prometheus.MustNewConstMetric(onboardingAdoptionUsed, prometheus.GaugeValue, u, reason)
		}
		ch <- prometheus.MustNewConstMetric(onboardingRatings, prometheus.GaugeValue, float64(rep.Ratings), reason)
		if avg, ok := rep.Satisfaction(); ok {
			ch <- prometheus.MustNewConstMetric(onboardingRating, prometheus.GaugeValue, avg, reason)
		}
	}
}

// load returns the per-reason reports, computed at most once a minute.
func (c *onboardingCollector) load() (map[tap.Reason]stats.Report, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if !c.at.IsZero() && now.Sub(c.at) < onboardingCache {
		return c.reports, c.err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	from := now.Add(-onboardingWindow)
	reqs, err := c.store.ListRequests(ctx, tap.RequestFilter{Since: from})
	c.at, c.err = now, err
	if err == nil {
		c.reports = stats.ByReason(reqs, from, now)
	}
	return c.reports, c.err
}
