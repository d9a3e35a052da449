package bot_test

import (
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/tap"
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

// TestSetupReminderReachesTheRequester: Ana's 8-hour pass revealed at
// 09:15 and no "done" by 13:07 (half its life from the reveal): Megan is
// told once, with when it ends and the why command; none after "done".
func TestSetupReminderReachesTheRequester(t *testing.T) {
	w := newWeek(t)
	id := w.at(0, 9, 0).ask("ana", "onboarding", "8 hours", "multi-use")
	w.approve(id)
	w.at(0, 9, 15).reveal(id)
	count := func() (n int, last string) {
		for _, m := range w.msgr.All() {
			if s := chattest.Text(m); strings.Contains(s, "has not told me the sign-in is set up") {
				n, last = n+1, s
			}
		}
		return n, last
	}
	for _, c := range []struct{ hh, mm, want int }{{13, 0, 0}, {13, 8, 1}, {15, 0, 1}} {
		w.at(0, c.hh, c.mm)
		if n, _ := count(); n != c.want {
			t.Fatalf("at %02d:%02d: %d setup reminders, want %d", c.hh, c.mm, n, c.want)
		}
	}
	if _, last := count(); !strings.Contains(last, "stops working at Mon 7 Dec 2026 17:00") || !strings.Contains(last, "`why ana@contoso.com`") {
		t.Errorf("setup reminder:\n%s", last)
	}

	// Set up before half its life: no reminder.
	id2 := w.at(1, 9, 0).ask("ben", "onboarding", "8 hours", "multi-use")
	w.approve(id2)
	w.at(1, 9, 10).reveal(id2)
	w.at(1, 10, 0).done(id2, tap.MethodWindowsHello, 5)
	w.at(1, 16, 0)
	if n, _ := count(); n != 1 {
		t.Fatalf("%d setup reminders, want only Ana's", n)
	}
}
