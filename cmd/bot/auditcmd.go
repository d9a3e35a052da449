package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/store"
)

// auditCmd verifies or exports the audit trail.
func auditCmd(ctx context.Context, cfg *Config, log *slog.Logger, verb string, stdout, stderr io.Writer) int {
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, log)
	if err != nil {
		fmt.Fprintln(stderr, "tapbot: open store:", err)
		return 1
	}
	defer st.Close()
	trail := audit.New(st, nil, log)
	if verb == "export" {
		if err := trail.Export(ctx, stdout); err != nil {
			fmt.Fprintln(stderr, "tapbot: export:", err)
			return 1
		}
		return 0
	}
	rep, err := trail.Verify(ctx)
	fmt.Fprintln(stdout, rep)
	if err != nil {
		fmt.Fprintln(stderr, "tapbot: audit trail broken:", err)
		return 1
	}
	return 0
}
