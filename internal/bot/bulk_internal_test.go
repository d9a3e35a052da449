package bot

import "testing"

// TestBulkCommand: the ways a CSV is pasted after "bulk" (Slack code
// blocks, plain lines), and what is not the command.
func TestBulkCommand(t *testing.T) {
	for _, c := range []struct {
		said, title, csv string
		ok               bool
	}{
		{"bulk", "", "", true},
		{"BULK Sales onboarding", "Sales onboarding", "", true},
		{"bulk Sales onboarding\n```\nupn,start\na@b.c,2026-12-07\n```", "Sales onboarding", "upn,start\na@b.c,2026-12-07", true},
		{"bulk ```upn\na@b.c```", "", "upn\na@b.c", true},
		{"bulk```upn\na@b.c```", "", "upn\na@b.c", true},
		{"bulk Sales ```upn\na@b.c\n```", "Sales", "upn\na@b.c", true},
		{"bulk\n```csv\nupn\na@b.c\n```", "", "upn\na@b.c", true},
		{"bulk hires\nupn\na@b.c", "hires", "upn\na@b.c", true},
		{"bulky pass for sarah", "", "", false},
		{"pass for sarah bulk", "", "", false},
	} {
		title, csv, ok := bulkCommand(c.said)
		if title != c.title || csv != c.csv || ok != c.ok {
			t.Errorf("bulkCommand(%q) = %q, %q, %v; want %q, %q, %v", c.said, title, csv, ok, c.title, c.csv, c.ok)
		}
	}
}
