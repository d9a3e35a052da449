package watch_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/watch"
)

// BenchmarkEvaluate: the rules over one pass's sign-ins (100, a busy
// day's worth), the work each poll does besides the Graph call.
func BenchmarkEvaluate(b *testing.B) {
	rules, err := watch.NewRules(watch.Config{})
	if err != nil {
		b.Fatal(err)
	}
	p := watch.Pass{Request: "r1", User: "u1", Name: "Sarah", Start: at(8, 0), Ends: at(16, 0), StartDay: monday, Zone: la}
	ins := make([]tap.SignIn, 100)
	for i := range ins {
		ins[i] = tap.SignIn{ID: fmt.Sprint(i), At: at(8, 0).Add(time.Duration(i) * 4 * time.Minute), UserID: "u1",
			IP: "203.0.113.7", Country: "US", TAP: true, TAPSucceeded: true}
	}
	b.ReportAllocs()
	for b.Loop() {
		rules.Evaluate(p, ins, true, at(17, 0))
	}
}
