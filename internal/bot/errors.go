package bot

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"

	"github.com/tapbot/tapbot/internal/tap"
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
	return "Something went wrong on our side. Nothing was issued. IT can find it in the logs under reference " + id + "."
}

var sentinelTexts = []struct {
	err  error
	text string
}{
	{tap.ErrInvalidTransition, textInvalidTransition},
	{tap.ErrConflict, textConflict},
	{tap.ErrForbidden, textForbidden},
	{tap.ErrSelfApproval, textSelfApproval},
	{tap.ErrNotFound, textRequestNotFound},
	{tap.ErrAlreadyRevealed, textAlreadyRevealed},
	{tap.ErrThrottled, textThrottled},
	{tap.ErrUnavailable, textUnavailable},
	{tap.ErrPermission, textPermission},
	{tap.ErrAudit, textAudit},
	{tap.ErrUserNotFound, textUserNotFound},
}

func incidentID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
