package check_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/check"
)

func TestReportTextAndJSON(t *testing.T) {
	r := check.Run(context.Background(), time.Second,
		check.Area{Name: "Graph", Run: func(context.Context) []check.Result {
			return []check.Result{
				check.Pass("Graph", "token", "client secret for app 1"),
				check.Failure("Graph", "permissions", "missing Policy.Read.AuthenticationMethod", "grant it"),
			}
		}},
		check.Area{Name: "Slack", Run: func(context.Context) []check.Result {
			return []check.Result{check.Warning("Slack", "channel", "cannot see it", "add groups:read")}
		}})
	if !r.Failed() {
		t.Fatal("a failed line must fail the report")
	}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	want := "Graph\n  ✓ token: client secret for app 1\n  ✗ permissions: missing Policy.Read.AuthenticationMethod\n      fix: grant it\n\nSlack\n  ! channel: cannot see it\n      fix: add groups:read\n\n3 checks: 1 failed, 1 warnings\n"
	if text.String() != want {
		t.Fatalf("text:\n%s\nwant:\n%s", text.String(), want)
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var got struct {
		OK     bool
		Checks []check.Result
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.OK || len(got.Checks) != 3 || got.Checks[1].Status != check.Fail || got.Checks[2].Fix != "add groups:read" {
		t.Fatalf("json: %+v", got)
	}
}

func TestWarningsDoNotFail(t *testing.T) {
	r := check.Report{check.Pass("a", "b", "c"), check.Warning("a", "d", "e", "f")}
	if r.Failed() {
		t.Fatal("warnings must not fail the report")
	}
}

func TestAreaThatHangsFailsAlone(t *testing.T) {
	r := check.Run(context.Background(), 50*time.Millisecond,
		check.Area{Name: "Teams", Run: func(ctx context.Context) []check.Result {
			<-ctx.Done()
			return nil
		}},
		check.Area{Name: "Store", Run: func(context.Context) []check.Result {
			return []check.Result{check.Pass("Store", "reachable", "sqlite")}
		}})
	if len(r) != 2 || r[0].Status != check.Fail || !strings.Contains(r[0].Detail, "no answer within 50ms") || r[1].Status != check.OK {
		t.Fatalf("report: %+v", r)
	}
}

func TestDiff(t *testing.T) {
	missing, extra := check.Diff([]string{"b", "a", "c"}, []string{"c", "x", "a", ""})
	if strings.Join(missing, ",") != "b" || strings.Join(extra, ",") != "x" {
		t.Fatalf("missing %v, extra %v", missing, extra)
	}
	if _, ok := check.Find(check.Report{check.Pass("a", "b", "c")}, "b"); !ok {
		t.Fatal("Find missed a line")
	}
	if _, ok := check.Find(nil, "b"); ok {
		t.Fatal("Find invented a line")
	}
}
