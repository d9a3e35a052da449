package bot_test

import (
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
)

// TestRevealReminderReachesTheRequester: a pass approved at 09:00 for 8
// hours and not revealed reminds Megan at 13:00 and 16:00 with a Reveal
// button and the lapse time in her zone; once, each.
func TestRevealReminderReachesTheRequester(t *testing.T) {
	w := newWeek(t)
	id := w.at(0, 9, 0).ask("ana", "onboarding", "8 hours", "multi-use")
	w.approve(id)
	reminders := func() (n int, last chat.Message) {
		for _, m := range w.msgr.All() {
			if strings.Contains(chattest.Text(m), "Reminder: the pass for") {
				n, last = n+1, m
			}
		}
		return n, last
	}
	for _, c := range []struct {
		hh, mm, want int
	}{{12, 59, 0}, {13, 0, 1}, {15, 0, 1}, {16, 0, 2}, {16, 30, 2}} {
		w.at(0, c.hh, c.mm)
		if n, _ := reminders(); n != c.want {
			t.Fatalf("at %02d:%02d: %d reminders, want %d", c.hh, c.mm, n, c.want)
		}
	}
	_, last := reminders()
	if got := chattest.Text(last); !strings.Contains(got, "Reveal it before Mon 7 Dec 2026 17:00") {
		t.Errorf("reminder does not say when the pass lapses:\n%s", got)
	}
	if chattest.ButtonValue(last, chat.ActionReveal) != string(id) {
		t.Errorf("reminder has no Reveal button:\n%s", chattest.Text(last))
	}
}
