package main

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/intake"
	"github.com/tapbot/tapbot/internal/slack"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams"
)

// mountAPI mounts the HR intake API on /api/v1/ when api.enabled is set.
// Hiring managers are told on api.notify_platform, or on the one chat
// platform configured.
func (a *app) mountAPI(cfg *Config, gc *graph.Client, svc *approvals.Service) error {
	if !cfg.API.Enabled {
		return nil
	}
	st, ok := a.store.(intake.Store)
	if !ok {
		return fmt.Errorf("api: the store %T keeps no idempotency keys", a.store)
	}
	c := cfg.API
	if c.NotifyPlatform == "" {
		c.NotifyPlatform = a.onlyPlatform()
	}
	if c.NotifyPlatform == "" {
		return errors.New("api.notify_platform: set it to slack or teams when both (or neither) are on")
	}
	if c.DefaultZone == "" {
		c.DefaultZone = cfg.DefaultZone
	}
	api, err := intake.New(c, intake.Deps{Lifecycle: svc, Directory: gc, Store: st, Log: a.log.With("component", "intake")})
	if err != nil {
		return err
	}
	a.mux.Handle("/api/v1/", counted("intake", http.Handler(api)))
	return nil
}

// onlyPlatform names the chat platform when exactly one is on.
func (a *app) onlyPlatform() tap.Platform {
	switch {
	case a.slack != nil && a.teams == nil:
		return slack.Platform
	case a.teams != nil && a.slack == nil:
		return teams.Platform
	}
	return ""
}
