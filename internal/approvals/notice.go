package approvals

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// securityNoticeEvery is how often one person's attempts on one request
// may alert the approvers; the rest are only audited and counted.
const securityNoticeEvery = time.Hour

// suppressedNotices counts security notices not sent (rate limited),
// across every Service in the process (for /metrics).
var suppressedNotices atomic.Int64

// SuppressedNotices is how many security notices were rate limited.
func SuppressedNotices() int64 { return suppressedNotices.Load() }

// securityNotice tells the approvers about a security event, at most
// once per person per request per securityNoticeEvery, and audits it
// (unless audited already, when reason is ""). The limit
// is a store lease, so it holds across replicas; a store error sends
// the notice (an alert is worth more than its duplicate).
func (s *Service) securityNotice(ctx context.Context, r *tap.Request, actor tap.Actor, reason, detail string) {
	sent := s.noticeAllowed(ctx, r, actor)
	audit := map[string]string{"notice": "sent"}
	if !sent {
		audit["notice"] = "suppressed"
	}
	if reason != "" {
		audit["reason"] = reason
		_ = s.record(ctx, r, &actor, "reveal", "refused", false, audit)
	} else if !sent {
		_ = s.record(ctx, r, &actor, "security_notice", "suppressed", false, nil)
	}
	if !sent {
		suppressedNotices.Add(1)
		return
	}
	s.alert(ctx, r, actor, detail)
}

// alert commits a NoticeSecurity to r's outbox and delivers it. If it
// cannot be stored it is sent anyway, once: an alert is worth more than
// its durability.
func (s *Service) alert(ctx context.Context, r *tap.Request, actor tap.Actor, detail string) {
	if r != nil {
		var notice string
		c, err := s.update(ctx, r.ID, func(c *tap.Request) error {
			notice = s.enqueue(c, NoticeSecurity, &actor, detail)
			return nil
		})
		if err == nil {
			s.deliver(ctx, c, notice)
			return
		}
		s.log.WarnContext(ctx, "security notice not stored; sending it once", "request_id", r.ID, "err", err)
	}
	a := actor
	if err := s.out.Notify(ctx, Notice{Kind: NoticeSecurity, Request: snapshot(r), Actor: &a, Detail: detail}); err != nil {
		noticeFailures.Add(1)
		s.log.WarnContext(ctx, "security notice not delivered", "err", err)
	}
}

func (s *Service) noticeAllowed(ctx context.Context, r *tap.Request, actor tap.Actor) bool {
	if r == nil {
		return true
	}
	holder, err := newID()
	if err != nil {
		return true
	}
	key := who(actor)
	if key == "" {
		key = string(actor.Platform) + ":" + actor.ChatID
	}
	ok, err := s.store.AcquireLease(ctx, "notice:"+string(r.ID)+":"+key, string(holder), securityNoticeEvery)
	if err != nil {
		s.log.WarnContext(ctx, "security notice limit unavailable; sending", "request_id", r.ID, "err", err)
		return true
	}
	return ok
}
