package policy

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// openStates are the states that count as open.
func openStates() []tap.State {
	var s []tap.State
	for _, st := range tap.States {
		if st.Open() {
			s = append(s, st)
		}
	}
	return s
}

// checkOpen enforces one open request per target and the requester quotas.
func (c *Checker) checkOpen(ctx context.Context, r *tap.Request, now time.Time) error {
	open := openStates()
	others := func(rs []*tap.Request) []*tap.Request {
		return slices.DeleteFunc(rs, func(x *tap.Request) bool { return r.ID != "" && x.ID == r.ID })
	}
	forTarget, err := c.store.ListRequests(ctx, tap.RequestFilter{States: open, Target: r.Target.ID})
	if err != nil {
		return fmt.Errorf("list open requests for target: %w", err)
	}
	if rs := others(forTarget); len(rs) > 0 {
		return refuseOpenForTarget(r.Target, rs[0], now)
	}
	mine, err := c.store.ListRequests(ctx, tap.RequestFilter{States: open, Requester: r.Requester.EntraID})
	if err != nil {
		return fmt.Errorf("list open requests for requester: %w", err)
	}
	if n := len(others(mine)); n >= c.Config().Quotas.OpenPerRequester {
		return refuseOpenQuota(n)
	}
	day, err := c.store.ListRequests(ctx, tap.RequestFilter{Requester: r.Requester.EntraID, Since: now.Add(-24 * time.Hour)})
	if err != nil {
		return fmt.Errorf("list recent requests for requester: %w", err)
	}
	if n := len(others(day)); n >= c.Config().Quotas.PerRequesterPerDay {
		return refuseDailyQuota(n)
	}
	return nil
}

// checkOpenForTarget refuses a target who already has an open request,
// as soon as the dialog knows who the pass is for.
func (c *Checker) checkOpenForTarget(ctx context.Context, target tap.User) error {
	rs, err := c.store.ListRequests(ctx, tap.RequestFilter{States: openStates(), Target: target.ID})
	if err != nil {
		return fmt.Errorf("list open requests for target: %w", err)
	}
	if len(rs) > 0 {
		return refuseOpenForTarget(target, rs[0], c.now())
	}
	return nil
}

// livePass returns a warning when the target already holds a usable or
// future pass that approving would replace.
func (c *Checker) livePass(ctx context.Context, r *tap.Request) string {
	if c.passes == nil {
		return ""
	}
	ps, err := c.passes.ListPasses(ctx, r.Target.ID)
	if err != nil {
		c.log.Warn("cannot list existing passes", "target", string(r.Target.ID), "err", err)
		return warnLivePassUnknown(r.Target)
	}
	now := c.now()
	gone := c.replacedMethod(ctx, r)
	for _, p := range ps {
		if gone != "" && p.MethodID == gone {
			continue // a reissue deletes the pass it replaces before it is stored
		}
		live := p.Usable || p.UsabilityReason == "NotYetValid" ||
			(p.UsabilityReason == "" && p.Lifetime > 0 && p.Expires().After(now))
		if live {
			return warnLivePass(r.Target, p, r.RequesterZone)
		}
	}
	return ""
}

// replacedMethod is the Graph id of the pass of the request r replaces
// (r.ReissueOf), or "".
func (c *Checker) replacedMethod(ctx context.Context, r *tap.Request) string {
	if r.ReissueOf == "" {
		return ""
	}
	rs, err := c.store.ListRequests(ctx, tap.RequestFilter{Target: r.Target.ID})
	if err != nil {
		return ""
	}
	for _, q := range rs {
		if q.ID == r.ReissueOf {
			return q.MethodID
		}
	}
	return ""
}
