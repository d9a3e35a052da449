package approvals

import (
	"context"
	"strconv"

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
