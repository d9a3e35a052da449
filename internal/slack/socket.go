package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode connects over Socket Mode (the app-level token) and serves
// deliveries until ctx ends. Envelopes are acknowledged as HTTP requests
// would be, and de-duplicated by the same payload keys, so a retry_attempt
// redelivery is dropped.
func (a *Adapter) RunSocketMode(ctx context.Context) error {
	if a.cfg.AppToken == "" {
		return errors.New("slack socket mode needs an app-level (xapp-) token")
	}
	opts := []slack.Option{slack.OptionAppLevelToken(a.cfg.AppToken)}
	if a.cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(a.cfg.APIURL))
	}
	api := slack.New(a.cfg.BotToken, opts...)
	smc := socketmode.New(api, socketmode.OptionLog(slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- smc.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			<-errc
			return nil
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack socket mode: %w", err)
		case evt := <-smc.Events:
			a.onSocketEvent(ctx, smc, evt)
		}
	}
}

func (a *Adapter) onSocketEvent(ctx context.Context, smc *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.log.Info("slack socket mode connecting")
	case socketmode.EventTypeConnected:
		a.log.Info("slack socket mode connected")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
		a.log.Warn("slack socket mode connection", "event", string(evt.Type))
	case socketmode.EventTypeHello:
		if evt.Request != nil {
			// More connections than replicas can mean a stolen app token.
			a.log.Info("slack socket mode hello", "num_connections", evt.Request.NumConnections)
			if a.cfg.OnConnections != nil {
				a.cfg.OnConnections(evt.Request.NumConnections)
			}
		}
	case socketmode.EventTypeEventsAPI, socketmode.EventTypeInteractive, socketmode.EventTypeSlashCommand:
		if evt.Request == nil {
			return
		}
		req := *evt.Request
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			res := a.onEnvelope(ctx, req)
			var err error
			if res.body != nil {
				err = smc.AckCtx(ctx, req.EnvelopeID, json.RawMessage(res.body))
			} else {
				err = smc.AckCtx(ctx, req.EnvelopeID, nil)
			}
			if err != nil {
				a.log.Warn("slack socket mode ack", "envelope_id", req.EnvelopeID, "err", err)
			}
		}()
	}
}

// onEnvelope handles one Socket Mode envelope like the HTTP handler would.
func (a *Adapter) onEnvelope(ctx context.Context, req socketmode.Request) ack {
	if req.RetryAttempt > 0 {
		a.log.Debug("slack socket mode redelivery", "envelope_id", req.EnvelopeID,
			"retry_attempt", req.RetryAttempt, "retry_reason", req.RetryReason)
	}
	switch req.Type {
	case socketmode.RequestTypeEventsAPI:
		return a.onEvents(ctx, req.Payload)
	case socketmode.RequestTypeInteractive:
		return a.onInteraction(ctx, req.Payload)
	case socketmode.RequestTypeSlashCommands:
		var c slashCommand
		if err := json.Unmarshal(req.Payload, &c); err != nil {
			return ackBad
		}
		return a.onCommand(ctx, c)
	}
	return ackOK
}
