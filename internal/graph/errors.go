package graph

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// call describes one Graph operation for error classification.
type call struct {
	op string // "get user", "create pass", ...
	// permission is the least application permission the call needs,
	// named in the 403 refusal.
	permission string
	// notFound is the sentinel for a 404 (tap.ErrNotFound when nil);
	// notFoundMsg, when set, makes the 404 a *tap.Refusal.
	notFound    error
	notFoundMsg string
	// create marks the pass create: after the request may have been
	// sent, anything but a definite answer is tap.ErrUncertain.
	create bool
}

// graphAnswer is what Graph said, read without ever calling
// (*odataerrors.ODataError).Error(), which panics on a body without a
// message.
type graphAnswer struct {
	status     int
	code, msg  string
	retryAfter string
}

// answerOf extracts Graph's answer from an SDK error, if it is one.
func answerOf(err error) (graphAnswer, bool) {
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) && oe != nil {
		a := graphAnswer{status: oe.ResponseStatusCode}
		if me := oe.GetErrorEscaped(); me != nil {
			if p := me.GetCode(); p != nil {
				a.code = *p
			}
			if p := me.GetMessage(); p != nil {
				a.msg = *p
			}
		}
		if oe.ResponseHeaders != nil {
			if v := oe.ResponseHeaders.Get("Retry-After"); len(v) > 0 {
				a.retryAfter = v[0]
			}
		}
		return a, true
	}
	var ae *abs.ApiError
	if errors.As(err, &ae) && ae != nil {
		a := graphAnswer{status: ae.ResponseStatusCode}
		if ae.ResponseHeaders != nil {
			if v := ae.ResponseHeaders.Get("Retry-After"); len(v) > 0 {
				a.retryAfter = v[0]
			}
		}
		return a, true
	}
	return graphAnswer{}, false
}

var lifetimeRange = regexp.MustCompile(`between (\d+) and (\d+)`)

// classify turns an SDK error into a tap sentinel (wrapped) or a
// *tap.Refusal (wrapped) with a plain sentence. It is the only place that
// interprets Graph errors. It never includes a pass value: Graph's error
// bodies carry none, and the create response is never part of an error.
func classify(ctx context.Context, c call, err error) error {
	if err == nil {
		return nil
	}
	var te *tokenError
	if errors.As(err, &te) {
		return fmt.Errorf("%s: %v: %w", c.op, te, tap.ErrUnavailable)
	}
	if a, ok := answerOf(err); ok {
		return classifyAnswer(c, a)
	}
	// No HTTP answer: a transport failure, timeout or cancellation.
	if c.create && maybeSent(err) {
		return fmt.Errorf("%s: no answer from graph (%v): the pass may or may not exist: %w", c.op, err, tap.ErrUncertain)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w: %w", c.op, ctx.Err(), tap.ErrUnavailable)
	}
	return fmt.Errorf("%s: graph unreachable (%v): %w", c.op, err, tap.ErrUnavailable)
}

// maybeSent reports whether a transport error may have happened after
// Graph received the request. Only failures to connect prove it did not.
func maybeSent(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return false
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false
	}
	return true
}

func classifyAnswer(c call, a graphAnswer) error {
	where := fmt.Sprintf("%s: graph %d %s", c.op, a.status, a.code)
	if a.status >= 400 && a.status < 500 {
		if r := refusalFromMessage(a.msg); r != nil {
			return fmt.Errorf("%s: %w", where, r)
		}
	}
	switch {
	case a.status == http.StatusUnauthorized:
		return fmt.Errorf("%s: %w", where, tap.Refuse(tap.ErrPermission, text.GraphTokenRejected))
	case a.status == http.StatusForbidden:
		return fmt.Errorf("%s: %w", where, tap.Refuse(tap.ErrPermission, text.GraphPermission(c.op, c.permission)))
	case a.status == http.StatusNotFound:
		sentinel := c.notFound
		if sentinel == nil {
			sentinel = tap.ErrNotFound
		}
		if c.notFoundMsg != "" {
			return fmt.Errorf("%s: %w", where, tap.Refuse(sentinel, c.notFoundMsg))
		}
		return fmt.Errorf("%s: %w", where, sentinel)
	case a.status == http.StatusConflict:
		return fmt.Errorf("%s: %s: %w", where, a.msg, tap.ErrConflict)
	case a.status == http.StatusTooManyRequests:
		after := ""
		if a.retryAfter != "" {
			after = " (retry after " + a.retryAfter + " s)"
		}
		return fmt.Errorf("%s: throttled after retries%s: %w", where, after, tap.ErrThrottled)
	case a.status >= 500 && c.create:
		return fmt.Errorf("%s: the pass may or may not exist: %w", where, tap.ErrUncertain)
	case a.status >= 500:
		return fmt.Errorf("%s: %w", where, tap.ErrUnavailable)
	case a.status >= 400:
		return fmt.Errorf("%s: %s: %w", where, a.msg, tap.ErrInvalidInput)
	}
	return fmt.Errorf("%s: unexpected answer: %w", where, tap.ErrUnavailable)
}

// refusalFromMessage recognises Graph's TAP refusals by their text
// (the messages Graph v1.0 returns for a refused TAP create, kept verbatim
// in simtenant); nil if the message is not one of them.
func refusalFromMessage(msg string) *tap.Refusal {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "lifetimeinminutes"):
		if g := lifetimeRange.FindStringSubmatch(msg); g != nil {
			lo, _ := strconv.Atoi(g[1])
			hi, _ := strconv.Atoi(g[2])
			return tap.Refuse(tap.ErrLifetimeRange, text.GraphLifetimeBetween(minutes(lo), minutes(hi)))
		}
		return tap.Refuse(tap.ErrLifetimeRange, text.GraphLifetimeRange)
	case strings.Contains(m, "startdatetime") && strings.Contains(m, "past"):
		return tap.Refuse(tap.ErrStartInPast, text.GraphStartPast)
	case strings.Contains(m, "external guest"):
		return tap.Refuse(tap.ErrGuest, text.GraphGuest)
	case strings.Contains(m, "usercredentialpolicy"):
		return tap.Refuse(tap.ErrMethodDisabled, text.GraphMethodOff)
	case strings.Contains(m, "multi-use"):
		return tap.Refuse(tap.ErrPolicy, text.GraphOneTimeOnly)
	}
	return nil
}

// minutes writes a duration in minutes in words: "1 hour", "8 hours",
// "90 minutes".
func minutes(n int) string {
	switch {
	case n == 60:
		return "1 hour"
	case n > 60 && n%60 == 0:
		return fmt.Sprintf("%d hours", n/60)
	case n == 1:
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", n)
}
