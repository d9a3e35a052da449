package audit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tapbot/tapbot/internal/tap"
)

// Anchor pins the chain at one record: its sequence number and the hex
// digits of its stored MAC (or legacy hash). Kept outside the database
// (the bot logs the head's anchor every hour; 'bot audit anchor' prints
// it), it lets Verify prove later that the record is still there,
// unchanged, and so is every record before it.
type Anchor struct {
	Seq int64  `json:"seq"`
	MAC string `json:"mac"` // 64 lower-case hex digits, without MACPrefix
}

// String is the anchor as printed and parsed: "<seq>:<hex MAC>".
func (a Anchor) String() string { return strconv.FormatInt(a.Seq, 10) + ":" + a.MAC }

// anchorOf returns the anchor of a stored record.
func anchorOf(rec tap.AuditRecord) Anchor {
	return Anchor{Seq: rec.Seq, MAC: strings.TrimPrefix(rec.Hash, MACPrefix)}
}

// ParseAnchor reads "<seq>:<mac>" as String prints it; the MAC may keep
// its "hmac-sha256:" prefix. The error says what is wrong with s.
func ParseAnchor(s string) (Anchor, error) {
	const want = "want <seq>:<mac> as printed by 'bot audit anchor'"
	seq, mac, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return Anchor{}, fmt.Errorf("anchor %q: no ':' (%s)", s, want)
	}
	n, err := strconv.ParseInt(seq, 10, 64)
	if err != nil || n < 1 {
		return Anchor{}, fmt.Errorf("anchor %q: %q is not a record sequence number (%s)", s, seq, want)
	}
	mac = strings.ToLower(strings.TrimPrefix(mac, MACPrefix))
	if len(mac) != 64 || strings.Trim(mac, "0123456789abcdef") != "" {
		return Anchor{}, fmt.Errorf("anchor %q: the MAC must be 64 hex digits (%s)", s, want)
	}
	return Anchor{Seq: n, MAC: mac}, nil
}

// Anchor returns the anchor of the newest record, after checking that
// record's own MAC (or legacy hash) against its contents, so an anchor is
// never taken of a forged head. tap.ErrNotFound (wrapped) if the trail is
// empty; ErrDamaged if the head does not verify.
func (t *Trail) Anchor(ctx context.Context) (Anchor, error) {
	if t.keyErr != nil {
		return Anchor{}, fmt.Errorf("audit anchor: %w", t.keyErr)
	}
	head, err := t.store.LastAudit(ctx)
	if errors.Is(err, tap.ErrNotFound) {
		return Anchor{}, fmt.Errorf("audit anchor: the trail is empty: %w", err)
	}
	if err != nil {
		return Anchor{}, fmt.Errorf("audit anchor: read chain head: %w", err)
	}
	if kind, why := t.checkContents(head); kind != "" {
		return Anchor{}, fmt.Errorf("audit anchor: %w: newest record %d: %s", ErrDamaged, head.Seq, why)
	}
	return anchorOf(head), nil
}
