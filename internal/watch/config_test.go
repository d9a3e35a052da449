package watch_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/watch"
)

func TestParseHours(t *testing.T) {
	h, err := watch.ParseHours("Mon-Fri 07:00-19:00")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{at(7, 0), true}, {at(18, 59), true}, {at(19, 0), false}, {at(6, 59), false},
		{at(10, 0).AddDate(0, 0, 5), false}, // Saturday
	} {
		if got := h.Within(c.at); got != c.want {
			t.Errorf("Within(%v) = %v, want %v", c.at, got, c.want)
		}
	}
	if h, err := watch.ParseHours("Fri-Mon 09:00-17:00"); err != nil || !h.Days[time.Sunday] || h.Days[time.Wednesday] {
		t.Errorf("wrapping range: %+v %v", h, err)
	}
	if h, err := watch.ParseHours("mon,wed 08:30-12:00"); err != nil || !h.Days[time.Wednesday] || h.Days[time.Tuesday] || h.From != 8*time.Hour+30*time.Minute {
		t.Errorf("list: %+v %v", h, err)
	}
}

func TestConfigRefusesBadValues(t *testing.T) {
	for _, c := range []struct {
		cfg  watch.Config
		want string
	}{
		{watch.Config{BusinessHours: "weekdays"}, "give days and hours"},
		{watch.Config{BusinessHours: "Mon-Fry 07:00-19:00"}, "days are Mon"},
		{watch.Config{BusinessHours: "Mon-Fri 7am-7pm"}, "24-hour HH:MM"},
		{watch.Config{BusinessHours: "Mon-Fri 19:00-07:00"}, "start before it ends"},
		{watch.Config{Interval: time.Second}, "watch.interval"},
		{watch.Config{IPWindow: time.Second}, "watch.ip_window"},
		{watch.Config{MaxFailures: -1}, "watch.max_failures"},
		{watch.Config{PerMinute: 1000}, "watch.per_minute"},
	} {
		err := c.cfg.WithDefaults().Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want it to mention %q", c.cfg, err, c.want)
		}
	}
	if err := (watch.Config{}).WithDefaults().Validate(); err != nil {
		t.Errorf("defaults refused: %v", err)
	}
}
