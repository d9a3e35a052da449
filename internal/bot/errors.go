package bot

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// Say is the one function that turns an error into chat text. Refusals
// carry their own plain sentence; sentinels get a fixed sentence; anything
// else becomes a generic apology with a reference that is logged with the
// real error, so internals never reach a chat.
func Say(log *slog.Logger, err error) string {
	var ref *tap.Refusal
	if errors.As(err, &ref) {
		return ref.Msg
	}
	for _, m := range sentinelTexts {
		if errors.Is(err, m.err) {
			return m.text
		}
	}
	id := incidentID()
	log.Error("unexpected error", "incident", id, "err", err)
	return text.Incident(id)
}

var sentinelTexts = []struct {
	err  error
	text string
}{
	{tap.ErrInvalidTransition, text.InvalidTransition},
	{tap.ErrConflict, text.Conflict},
	{tap.ErrForbidden, text.Forbidden},
	{tap.ErrSelfApproval, text.SelfApproval},
	{tap.ErrNotFound, text.RequestNotFound},
	{tap.ErrAlreadyRevealed, text.AlreadyRevealed},
	{tap.ErrThrottled, text.Throttled},
	{tap.ErrUnavailable, text.Unavailable},
	{tap.ErrPermission, text.Permission},
	{tap.ErrAudit, text.Audit},
	{tap.ErrUserNotFound, text.UserNotFound},
}

func incidentID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
