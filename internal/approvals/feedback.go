package approvals

import (
	"context"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// Feedback records the new hire's rating of their setup (1–5) on a
// confirmed request: only the person the pass was for, once, audited.
func (s *Service) Feedback(ctx context.Context, id tap.RequestID, newHire tap.Actor, score int) (*tap.Request, error) {
	if score < 1 || score > 5 {
		return nil, tap.Refuse(tap.ErrInvalidInput, text.FeedbackScore)
	}
	c, err := s.run(ctx, id, step{action: "feedback", actor: &newHire,
		decide: func(c *tap.Request) (map[string]string, error) {
			switch {
			case newHire.EntraID == "" || tap.UserID(newHire.EntraID) != c.Target.ID:
				return nil, tap.Refuse(tap.ErrForbidden, text.FeedbackNotYours)
			case c.State != tap.StateConfirmed:
				return nil, tap.Refuse(tap.ErrInvalidTransition, text.FeedbackNotYet)
			case c.Feedback != nil:
				return nil, tap.Refuse(tap.ErrInvalidTransition, text.FeedbackAlready)
			}
			c.Feedback = &tap.Feedback{Score: score, At: s.now()}
			return map[string]string{"score": strconv.Itoa(score)}, nil
		},
	})
	if err != nil {
		return snapshot(c), err
	}
	s.log.InfoContext(ctx, "setup feedback", "request_id", c.ID, "score", score)
	return snapshot(c), nil
}

// MaxComment is how long a new hire's comment on their setup may be, in
// characters.
const MaxComment = 280

// FeedbackComment records the one short comment the new hire may add to
// their rating: only the person the pass was for, after rating, once,
// audited with its text. The comment is refused (a *tap.Refusal wrapping
// tap.ErrInvalidInput) when it carries bidi controls or invisible
// characters, is empty or is longer than MaxComment; white space and
// line breaks become single spaces.
func (s *Service) FeedbackComment(ctx context.Context, id tap.RequestID, newHire tap.Actor, comment string) (*tap.Request, error) {
	comment, err := cleanComment(comment)
	if err != nil {
		return nil, err
	}
	c, err := s.run(ctx, id, step{action: "feedback_comment", actor: &newHire,
		decide: func(c *tap.Request) (map[string]string, error) {
			switch {
			case newHire.EntraID == "" || tap.UserID(newHire.EntraID) != c.Target.ID:
				return nil, tap.Refuse(tap.ErrForbidden, text.FeedbackNotYours)
			case c.Feedback == nil:
				return nil, tap.Refuse(tap.ErrInvalidTransition, text.FeedbackCommentRateFirst)
			case c.Feedback.Comment != "":
				return nil, tap.Refuse(tap.ErrInvalidTransition, text.FeedbackCommentAlready)
			}
			c.Feedback.Comment, c.Feedback.CommentedAt = comment, s.now()
			return map[string]string{"comment": comment}, nil
		},
	})
	if err != nil {
		return snapshot(c), err
	}
	s.log.InfoContext(ctx, "setup feedback comment", "request_id", c.ID, "chars", utf8.RuneCountInString(comment))
	return snapshot(c), nil
}

// cleanComment refuses hidden characters (bidi controls, zero-width and
// other format characters, the chat layer's own escape markers), turns
// white space and other control characters into single spaces, and
// checks the length.
func cleanComment(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", tap.Refuse(tap.ErrInvalidInput, text.FeedbackCommentHidden)
	}
	for _, r := range s {
		if unicode.Is(unicode.Cf, r) || r == 0x034F || r == 0x180E || r == '\uE000' || r == '\uE001' {
			return "", tap.Refuse(tap.ErrInvalidInput, text.FeedbackCommentHidden)
		}
	}
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "", tap.Refuse(tap.ErrInvalidInput, text.FeedbackCommentEmpty)
	case n > MaxComment:
		return "", tap.Refuse(tap.ErrInvalidInput, text.FeedbackCommentLong(n, MaxComment))
	}
	return s, nil
}
