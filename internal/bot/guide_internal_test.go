package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
)

// The default guide names the bot, says what the pass looks like, and
// lists the article's reasons a pass is refused at the sign-in screen
// (the one-time reason only for a one-time pass); its link stays a link
// on chat while the values filled in stay inert.
func TestDefaultGuide(t *testing.T) {
	g, err := NewGuide("", "helpdesk@contoso.com, +1 425 555 0100", "Contoso")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 7, 17, 0, 0, 0, time.UTC)
	for _, oneTime := range []bool{false, true} {
		r := &tap.Request{Target: tap.User{UPN: "sarah.johnson@contoso.com", DisplayName: "Sarah *Johnson*"},
			Start: start, Lifetime: 8 * time.Hour, OneTime: oneTime, HireZone: "America/Los_Angeles"}
		plain, err := g.Render(r)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`send tapbot the word "done"`, "case-sensitive", "Too early: it works only from Mon 7 Dec 2026 09:00 PST",
			"Too late: it stops working at Mon 7 Dec 2026 17:00 PST", "every symbol count", "Account blocked or disabled",
			`Send tapbot the word "help"`, "helpdesk@contoso.com, +1 425 555 0100"} {
			if !strings.Contains(plain, want) {
				t.Errorf("one-time %v: guide lacks %q:\n%s", oneTime, want, plain)
			}
		}
		if got := strings.Contains(plain, "Already used"); got != oneTime {
			t.Errorf("one-time %v: 'Already used' listed = %v", oneTime, got)
		}
		if strings.Contains(plain, "\n\n\n") || strings.Contains(plain, "{{") {
			t.Errorf("template left gaps or markers:\n%s", plain)
		}
		marked, err := g.marked(r)
		if err != nil {
			t.Fatal(err)
		}
		esc := func(s string) string { return "«" + s + "»" }
		shown := chat.Expand(marked, esc, nil)
		if !strings.Contains(shown, "at https://aka.ms/mysecurityinfo.") || !strings.Contains(shown, "«sarah.johnson@contoso.com»") {
			t.Errorf("link not left as markup or values not marked:\n%s", shown)
		}
	}
}
