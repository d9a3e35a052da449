package slack

import "testing"

// TestUnwrapText: Slack's wire text becomes what the person typed before
// it reaches the dialog (which no longer knows Slack's forms).
func TestUnwrapText(t *testing.T) {
	for in, want := range map[string]string{
		"<@U0BOT> pass for <mailto:sarah@contoso.com|sarah@contoso.com> Monday 9am": "pass for sarah@contoso.com Monday 9am",
		"TAP for <mailto:jo@contoso.com|jo@contoso.com>\nReason: onboarding":        "TAP for jo@contoso.com\nReason: onboarding",
		"note: R&amp;D &lt;team&gt;, see <https://x.example/a|the plan>":            "note: R&D <team>, see the plan",
		"<#C123|general> <!here> <https://x.example>":                               "#general @here https://x.example",
		"status <mailto:raj@contoso.com>":                                           "status raj@contoso.com",
		"  plain text  ":                                                            "plain text",
		"<@U1|megan> cancel sarah":                                                  "cancel sarah",
	} {
		if got := unwrapText(in); got != want {
			t.Errorf("unwrapText(%q) = %q, want %q", in, got, want)
		}
	}
}
