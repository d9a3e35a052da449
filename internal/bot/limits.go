package bot

import (
	"context"

	"github.com/tapbot/tapbot/internal/dialog"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/tap"
)

// PolicyDialogConfig gives the dialog the live limits: the tenant TAP
// policy (cached by the checker) intersected with the organisation's
// policy, and each reason's defaults clipped into that range.
func PolicyDialogConfig(c *policy.Checker) func(context.Context) (dialog.Config, error) {
	return func(ctx context.Context) (dialog.Config, error) {
		lo, hi, err := c.DialogLimits(ctx)
		if err != nil {
			return dialog.Config{}, err
		}
		dc := dialog.Config{
			MinLifetime: lo, MaxLifetime: hi,
			MaxAhead: c.Config().MaxAhead.D(),
			Defaults: make(map[tap.Reason]dialog.ReasonDefaults, len(tap.Reasons)),
		}
		for _, r := range tap.Reasons {
			d, err := c.Defaults(ctx, r)
			if err != nil {
				return dialog.Config{}, err
			}
			dc.Defaults[r] = dialog.ReasonDefaults{Lifetime: d.Lifetime, OneTime: d.OneTime, StartLead: d.StartLead}
		}
		return dc, nil
	}
}
