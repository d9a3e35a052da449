package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/store"
	"github.com/tapbot/tapbot/internal/tap"
)

// auditCmd runs 'audit verify [--anchor SEQ:MAC]…', 'audit export' and
// 'audit anchor'; args starts with the verb. Exit codes as run's.
func auditCmd(ctx context.Context, cfg *Config, log *slog.Logger, args []string, stdout, stderr io.Writer) int {
	verb := args[0]
	fs := flag.NewFlagSet("audit "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var anchors []audit.Anchor
	if verb == "verify" {
		fs.Func("anchor", "an anchor `SEQ:MAC` from 'bot audit anchor' or the bot's log; repeatable", func(s string) error {
			a, err := audit.ParseAnchor(s)
			anchors = append(anchors, a)
			return err
		})
	}
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tapbot: audit %s: unexpected argument %q\n", verb, fs.Arg(0))
		return 2
	}
	if verb != "export" {
		if err := cfg.resolveAuditKey(false); err != nil {
			fmt.Fprintln(stderr, "tapbot:", err)
			return 1
		}
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, log)
	if err != nil {
		fmt.Fprintln(stderr, "tapbot: open store:", err)
		return 1
	}
	defer st.Close()
	trail := audit.New(st, nil, log, audit.WithKey(cfg.auditKey), audit.WithPreviousKeys(cfg.prevAuditKeys...))
	switch verb {
	case "export":
		if err := trail.Export(ctx, stdout); err != nil {
			fmt.Fprintln(stderr, "tapbot: export:", err)
			return 1
		}
	case "anchor":
		a, err := trail.Anchor(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "tapbot:", err)
			return 1
		}
		fmt.Fprintln(stdout, a)
	default:
		rep, err := trail.Verify(ctx, anchors...)
		fmt.Fprintln(stdout, rep)
		if err != nil {
			fmt.Fprintln(stderr, "tapbot: audit trail broken:", err)
			return 1
		}
	}
	return 0
}

// startAnchorLog runs logAnchors in the background until ctx ends.
func (a *app) startAnchorLog(ctx context.Context, every time.Duration) {
	trail := audit.New(a.store, time.Now, a.log, audit.WithKey(a.cfg.auditKey), audit.WithPreviousKeys(a.cfg.prevAuditKeys...))
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		logAnchors(ctx, trail, every, a.log)
	}()
}

// logAnchors seals a legacy trail under the audit key (AdoptKey), then
// logs the chain head's anchor now and at every tick until ctx ends, so
// the log, kept outside the database, holds anchors for
// 'bot audit verify --anchor'.
func logAnchors(ctx context.Context, trail *audit.Trail, every time.Duration, log *slog.Logger) {
	if ok, err := trail.AdoptKey(ctx); err != nil && ctx.Err() == nil {
		log.Error("audit key adoption", "err", err)
	} else if ok {
		log.Info("audit trail: legacy unkeyed records sealed under the audit key")
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		logAnchor(ctx, trail, log)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func logAnchor(ctx context.Context, trail *audit.Trail, log *slog.Logger) {
	a, err := trail.Anchor(ctx)
	switch {
	case ctx.Err() != nil, errors.Is(err, tap.ErrNotFound):
	case err != nil:
		log.Error("audit anchor", "err", err)
	default:
		log.Info("audit anchor", "anchor", a.String(), "seq", a.Seq)
	}
}
