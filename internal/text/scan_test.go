package text

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// chatFacing are the packages (directories, not their sub-packages) and
// files whose output reaches a person in chat or in the intake API.
var chatFacing = []string{
	"internal/bot", "internal/dialog", "internal/policy", "internal/approvals",
	"internal/diagnose", "internal/intake", "internal/watch", "internal/stats",
	"internal/slack", "internal/teams", "internal/graph", "internal/bulk",
}

// allowed are sentence-shaped literals outside the catalogue that no
// person reads in chat: log messages and error strings for logs. Keyed by
// file (relative to the module root) and the literal.
var allowed = map[string][]string{
	// The Teams app manifest's description: shown in the Teams app store,
	// written by bot teams-manifest for the operator, not said in chat.
	"internal/teams/manifest.go": {"Request, approve and deliver Entra Temporary Access Passes in chat."},
}

// TestNoSentencesOutside fails when a chat-facing package writes a
// sentence of its own: a string literal that starts with a capital
// letter, contains a space and ends with '.', '?' or '!'.
func TestNoSentencesOutside(t *testing.T) {
	root := filepath.Join("..", "..")
	var files []string
	for _, p := range chatFacing {
		full := filepath.Join(root, p)
		if strings.HasSuffix(p, ".go") {
			files = append(files, full)
			continue
		}
		ents, err := os.ReadDir(full)
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
		for _, e := range ents {
			n := e.Name()
			if !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
				files = append(files, filepath.Join(full, n))
			}
		}
	}
	if len(files) < 20 {
		t.Fatalf("scanned only %d files; the package list is stale", len(files))
	}
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", f, err)
		}
		rel, _ := filepath.Rel(root, f)
		ast.Inspect(af, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !sentence(s) || isAllowed(rel, s) {
				return true
			}
			t.Errorf("%s: sentence outside internal/text: %q", fset.Position(lit.Pos()), s)
			return true
		})
	}
}

func isAllowed(file, s string) bool {
	for _, a := range allowed[filepath.ToSlash(file)] {
		if a == s {
			return true
		}
	}
	return false
}

// sentence reports whether s looks like a sentence written for a person.
func sentence(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 2 || !strings.Contains(s, " ") {
		return false
	}
	first := []rune(s)[0]
	last := s[len(s)-1]
	return unicode.IsUpper(first) && (last == '.' || last == '?' || last == '!')
}

func TestSentence(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"Nothing is waiting for approval.", true},
		{"Whose pass?", true},
		{"approve request: %w", false},
		{"Reveal pass", false},
		{"OK.", false},
	} {
		if got := sentence(c.in); got != c.want {
			t.Errorf("sentence(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
