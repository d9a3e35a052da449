// Command bot runs tapbot: the Slack and Microsoft Teams bot that turns a
// Temporary Access Pass into a requested, approved, audited flow.
//
// With no configuration it runs in local mode: SQLite in ./tapbot-data, a
// simulated Entra tenant on loopback and the Teams endpoint on
// 127.0.0.1:3978 for the Microsoft 365 Agents Playground.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
