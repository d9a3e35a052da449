package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/tapbot/tapbot/internal/bot"
)

// reloadOnHangup applies a new configuration on each SIGHUP until ctx ends.
func (a *app) reloadOnHangup(ctx context.Context, load func() (*Config, error)) {
	if load == nil {
		return
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				next, err := load()
				if err == nil {
					err = a.reload(next)
				}
				if err != nil {
					a.log.Error("reload refused; the running configuration stays", "err", err)
				}
			}
		}
	}()
}

// reload applies what can change while the bot runs — the organisation's
// policy and the onboarding guide — after checking both, so a bad file
// changes nothing. Other settings (tokens, listeners, the store, keys)
// take effect at the next restart.
func (a *app) reload(next *Config) error {
	if err := next.Policy.Validate(); err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	guide, err := readGuide(next.GuideFile)
	if err != nil {
		return err
	}
	if _, err := bot.NewGuide(guide, a.cfg.Contact, a.cfg.Org); err != nil {
		return err
	}
	if err := a.checker.Reload(next.Policy); err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	if err := a.router.ReloadGuide(guide); err != nil {
		return err
	}
	a.log.Info("configuration reloaded: policy and onboarding guide; other settings take effect at the next restart")
	return nil
}
