package workq

import (
	"sync"
	"time"
)

// Verdict is Senders' answer for one delivery.
type Verdict int

const (
	// Allow: within the sender's rate.
	Allow Verdict = iota
	// DropAndTell: over the rate, and the sender has not been told since
	// it was last quiet: drop the delivery and answer once, politely.
	DropAndTell
	// Drop: over the rate and already told.
	Drop
)

// Default per-sender rate: a sustained 5 messages a second, bursts of 10.
const (
	DefaultSenderRate  = 5
	DefaultSenderBurst = 10
)

// TextTooFast is the one answer a sender over the rate gets.
const TextTooFast = "You're sending messages faster than I can read them, so I skipped some. Please wait a moment and send your last message again."

// maxSenders bounds the table; idle senders are swept beyond it.
const maxSenders = 10000

// Senders is a token bucket per sender (rate per second, burst). A sender
// over the rate is told once, and told again only after a pause long
// enough to refill the bucket. Safe for concurrent use.
type Senders struct {
	rate  float64
	burst float64
	now   func() time.Time

	mu sync.Mutex
	m  map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
	told   bool
}

// NewSenders returns a limiter allowing rate deliveries a second per
// sender with bursts of burst (defaults when ≤ 0).
func NewSenders(rate float64, burst int) *Senders {
	if rate <= 0 {
		rate = DefaultSenderRate
	}
	if burst <= 0 {
		burst = DefaultSenderBurst
	}
	return &Senders{rate: rate, burst: float64(burst), now: time.Now, m: map[string]*bucket{}}
}

// Check spends one token of sender's bucket.
func (s *Senders) Check(sender string) Verdict {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.m[sender]
	if b == nil {
		if len(s.m) >= maxSenders {
			s.sweep(now)
		}
		b = &bucket{tokens: s.burst, last: now}
		s.m[sender] = b
	}
	b.tokens = min(s.burst, b.tokens+now.Sub(b.last).Seconds()*s.rate)
	b.last = now
	if b.tokens >= s.burst {
		b.told = false // quiet long enough: a new flood is told again
	}
	if b.tokens >= 1 {
		b.tokens--
		return Allow
	}
	if b.told {
		return Drop
	}
	b.told = true
	return DropAndTell
}

// sweep forgets senders whose bucket has refilled (s.mu held).
func (s *Senders) sweep(now time.Time) {
	full := time.Duration(s.burst / s.rate * float64(time.Second))
	for k, b := range s.m {
		if now.Sub(b.last) >= full {
			delete(s.m, k)
		}
	}
}

// OrDefaults returns p and s, or a pool and a rate with the defaults in
// place of nil ones (an adapter built without a shared pool).
func OrDefaults(p *Pool, s *Senders) (*Pool, *Senders) {
	if p == nil {
		p = New(Config{})
	}
	if s == nil {
		s = NewSenders(0, 0)
	}
	return p, s
}
