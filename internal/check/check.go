// Package check is the shape of `tapbot check`: each configured service is
// asked whether it is set up the way tapbot needs, and every answer is one
// line with ✓, ! or ✗ and, when something is wrong, the fix.
//
// The checks themselves live with the code that talks to each service
// (graph, slack, teams, store); this package only runs them and prints.
package check

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Status is the verdict of one check.
type Status string

const (
	// OK: set up as tapbot needs.
	OK Status = "ok"
	// Warn: works, but not as it should be (an excess permission, a check
	// that could not be made). Does not fail the command.
	Warn Status = "warn"
	// Fail: tapbot will not work as configured.
	Fail Status = "fail"
)

// Result is one line of the report.
type Result struct {
	Area   string `json:"area"`
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// Pass, Warning and Failure build results for area.
func Pass(area, name, detail string) Result { return Result{area, name, OK, detail, ""} }

// Warning is a result that does not fail the command.
func Warning(area, name, detail, fix string) Result { return Result{area, name, Warn, detail, fix} }

// Failure is a result that fails the command.
func Failure(area, name, detail, fix string) Result { return Result{area, name, Fail, detail, fix} }

// An Area checks one service and returns its lines.
type Area struct {
	Name string
	Run  func(ctx context.Context) []Result
}

// Report is every line, in the order the areas ran.
type Report []Result

// Failed reports whether any line failed.
func (r Report) Failed() bool {
	for _, l := range r {
		if l.Status == Fail {
			return true
		}
	}
	return false
}

// Run runs the areas one after another, each with its own timeout, so a
// service that does not answer costs its own lines and not the others'.
func Run(ctx context.Context, timeout time.Duration, areas ...Area) Report {
	var out Report
	for _, a := range areas {
		actx, cancel := context.WithTimeout(ctx, timeout)
		res := a.Run(actx)
		if actx.Err() != nil && ctx.Err() == nil {
			res = append(res, Failure(a.Name, "answers in time",
				fmt.Sprintf("no answer within %s", timeout), "check the network path to it (proxy, firewall, DNS)"))
		}
		cancel()
		out = append(out, res...)
	}
	return out
}

// Diff compares what is granted with what is wanted: the wanted names that
// are missing and the granted names nobody wants, each sorted.
func Diff(want, have []string) (missing, extra []string) {
	w, h := map[string]bool{}, map[string]bool{}
	for _, s := range want {
		w[s] = true
	}
	for _, s := range have {
		h[s] = true
	}
	for s := range w {
		if !h[s] {
			missing = append(missing, s)
		}
	}
	for s := range h {
		if !w[s] && s != "" {
			extra = append(extra, s)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return missing, extra
}

// Grants compares what a token was granted with what tapbot needs: a
// line that fails for every missing grant, and a least-privilege warning
// for grants nobody uses.
type Grants struct {
	Area, Name string
	// Want maps each needed grant to what it is for.
	Want map[string]string
	Have []string
	// All is the detail when nothing is missing, e.g. "all 6 granted".
	All                  string
	FixMissing, FixExtra string
}

// Lines are the grant lines.
func (g Grants) Lines() []Result {
	want := make([]string, 0, len(g.Want))
	for w := range g.Want {
		want = append(want, w)
	}
	missing, extra := Diff(want, g.Have)
	for i, m := range missing {
		missing[i] = m + " (" + g.Want[m] + ")"
	}
	out := []Result{Pass(g.Area, g.Name, g.All)}
	if len(missing) > 0 {
		out[0] = Failure(g.Area, g.Name, "missing "+strings.Join(missing, ", "), g.FixMissing)
	}
	if len(extra) > 0 {
		out = append(out, Warning(g.Area, "least privilege", "also granted "+strings.Join(extra, ", "), g.FixExtra))
	}
	return out
}

// Find returns the line named name.
func Find(rs []Result, name string) (Result, bool) {
	for _, r := range rs {
		if r.Name == name {
			return r, true
		}
	}
	return Result{}, false
}

var marks = map[Status]string{OK: "✓", Warn: "!", Fail: "✗"}

// WriteText prints the report for a person: the area as a heading, one
// line per check, the fix indented under a line that is not ✓.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	area := ""
	for _, l := range r {
		if l.Area != area {
			if area != "" {
				b.WriteString("\n")
			}
			area = l.Area
			b.WriteString(area + "\n")
		}
		fmt.Fprintf(&b, "  %s %s: %s\n", marks[l.Status], l.Name, l.Detail)
		if l.Fix != "" {
			fmt.Fprintf(&b, "      fix: %s\n", l.Fix)
		}
	}
	fails, warns := 0, 0
	for _, l := range r {
		switch l.Status {
		case Fail:
			fails++
		case Warn:
			warns++
		}
	}
	fmt.Fprintf(&b, "\n%d checks: %d failed, %d warnings\n", len(r), fails, warns)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the report as one JSON object: {"ok":…, "checks":[…]}.
func (r Report) WriteJSON(w io.Writer) error {
	if r == nil {
		r = Report{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		OK     bool   `json:"ok"`
		Checks Report `json:"checks"`
	}{!r.Failed(), r})
}
