package appbench

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

// BenchmarkSlackOneShot: a signed DM event with a whole request in one
// sentence → acknowledged → the dialog reads it → the policy checks the
// target in Entra → the summary to confirm is posted (chat.postMessage).
func BenchmarkSlackOneShot(b *testing.B) {
	w := newSlackWorld(b)
	dm := w.fake.DMChannel("UMEGAN")
	ask := request(simtenant.DemoSarahUPN)
	w.send(b, w.fake.DM("UMEGAN", ask)) // warm: DM channel, users.info, Entra user
	w.lastIn(b, dm, "Confirm")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.send(b, w.fake.DM("UMEGAN", ask))
		w.lastIn(b, dm, "Confirm")
	}
}

// BenchmarkTeamsOneShot is BenchmarkSlackOneShot on Teams: a JWT-checked
// activity, the summary card sent to the fake Bot Connector.
func BenchmarkTeamsOneShot(b *testing.B) {
	w := newTeamsWorld(b)
	ask := message(request(simtenant.DemoSarahUPN))
	w.send(b, w.activity(simtenant.DemoMeganID, "a:megan", ask))
	w.lastIn(b, "a:megan", "Confirm")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.send(b, w.activity(simtenant.DemoMeganID, "a:megan", ask))
		w.lastIn(b, "a:megan", "Confirm")
	}
}

// BenchmarkSlackFlow is one whole request per op on Slack, for a new hire
// each time: the request sentence, "yes", Alex's Approve click (the pass
// created in Entra and sealed), Megan's Reveal click (the pass shown in a
// modal), and the new hire's "done" (their new method verified, the pass
// deleted, the card says so). Each request creates exactly one pass. The
// new hire is added to the tenant and the fake Slack outside the timer.
func BenchmarkSlackFlow(b *testing.B) {
	w := newSlackWorld(b)
	f := w.fake
	megan := f.DMChannel("UMEGAN")
	var hires []string
	flow := func() {
		b.StopTimer()
		id, upn := w.newHire(len(hires))
		hires = append(hires, id)
		slackID := fmt.Sprintf("UHIRE%d", len(hires))
		f.AddUser(slackID, "New Hire", upn, false)
		b.StartTimer()

		w.send(b, f.DM("UMEGAN", request(upn)))
		w.lastIn(b, megan, "Confirm")
		w.send(b, f.DM("UMEGAN", "yes"))
		card := w.lastIn(b, slackApprovers, chat.ActionApprove)
		w.send(b, must(b)(f.Click("UALEX", slackApprovers, card.TS, chat.ActionApprove)))
		reveal := w.lastIn(b, megan, chat.ActionReveal)
		w.send(b, must(b)(f.Click("UMEGAN", megan, reveal.TS, chat.ActionReveal)))
		if vs := f.ViewsOf("UMEGAN"); len(vs) == 0 || !strings.Contains(string(vs[len(vs)-1].Raw), "preformatted") {
			b.Fatal("the pass was not shown in a modal")
		}
		if _, err := w.tenant.RegisterMethod(id, tap.MethodWindowsHello); err != nil {
			b.Fatal(err)
		}
		w.send(b, f.DM(slackID, "done"))
		w.lastIn(b, slackApprovers, "Setup confirmed")
	}
	flow() // warm
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		flow()
	}
	b.StopTimer()
	b.ReportMetric(float64(len(hires)-1)/b.Elapsed().Seconds(), "flows/s")
	w.onePassEach(b, hires)
}

// BenchmarkTeamsFlow is BenchmarkSlackFlow on Teams: the clicks are
// Action.Execute invokes, the pass comes back in the Reveal invoke's
// answer.
func BenchmarkTeamsFlow(b *testing.B) {
	w := newTeamsWorld(b)
	const meganChat = "a:megan"
	var hires []string
	flow := func() {
		b.StopTimer()
		id, upn := w.newHire(len(hires))
		hires = append(hires, id)
		b.StartTimer()

		w.send(b, w.activity(simtenant.DemoMeganID, meganChat, message(request(upn))))
		w.lastIn(b, meganChat, "Confirm")
		w.send(b, w.activity(simtenant.DemoMeganID, meganChat, message("yes")))
		card := w.lastIn(b, teamsApprovers, chat.ActionApprove)
		m := approveValue.FindStringSubmatch(string(card.Raw))
		if m == nil {
			b.Fatalf("no request id on the card: %s", card.Raw)
		}
		w.send(b, w.activity(simtenant.DemoAlexID, "", invoke(chat.ActionApprove, m[1])))
		w.lastIn(b, meganChat, chat.ActionReveal)
		if out := w.send(b, w.activity(simtenant.DemoMeganID, meganChat, invoke(chat.ActionReveal, m[1]))); !strings.Contains(out, "AdaptiveCard") {
			b.Fatalf("reveal answered %s", out)
		}
		if _, err := w.tenant.RegisterMethod(id, tap.MethodWindowsHello); err != nil {
			b.Fatal(err)
		}
		w.send(b, w.activity(id, "a:"+id, message("done")))
		w.lastIn(b, teamsApprovers, "Setup confirmed")
	}
	flow() // warm
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		flow()
	}
	b.StopTimer()
	b.ReportMetric(float64(len(hires)-1)/b.Elapsed().Seconds(), "flows/s")
	w.onePassEach(b, hires)
}

// onePassEach fails unless Graph created exactly one pass for each hire.
func (c *core) onePassEach(b *testing.B, hires []string) {
	for _, id := range hires {
		if n := c.tenant.Creates(id); n != 1 {
			b.Fatalf("%d passes created for one request", n)
		}
	}
}

func must(b *testing.B) func(string, error) string {
	return func(s string, err error) string {
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
}
