package main

import (
	"fmt"
	"io"
)

// banner tells a person where the bot listens and how to start chatting.
func (a *app) banner(w io.Writer, addr, metricsAddr string) {
	fmt.Fprintf(w, "tapbot is listening on http://%s\n", addr)
	fmt.Fprintf(w, "Prometheus metrics on http://%s/metrics\n", metricsAddr)
	if a.cfg.Local() {
		fmt.Fprintf(w, "Local mode: simulated Entra tenant at %s, data in %s.\n", a.tenant.URL(), a.cfg.DataDir)
		fmt.Fprintln(w, "Start chatting in Teams' local client from the repository root:")
		fmt.Fprintln(w, "  npx @microsoft/m365agentsplayground")
		fmt.Fprintf(w, "Then, as %s, type: pass for %s Monday 7:00, 8 hours, onboarding\n", "Megan Bowen", "sarah.johnson@contoso.com")
	}
	if a.slack != nil {
		fmt.Fprintln(w, "Slack is connected; type /tap in your workspace.")
	}
}
