package main

import (
	"fmt"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/loopback"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

// localRoutes serve local mode's simulated tenant helpers on the bot's
// loopback listener: what a new hire would do in Entra (register Windows
// Hello, Authenticator or a passkey) so "done" can be tried. Like the Teams
// endpoint they answer programs on this machine only: a loopback Host, no
// browser Origin, no proxy or tunnel headers.
//
//	curl -d user=sarah.johnson@contoso.com -d kind=windows_hello http://127.0.0.1:3978/_local/methods
func (a *app) localRoutes() {
	if a.tenant == nil {
		return
	}
	a.mux.HandleFunc("POST /_local/methods", func(w http.ResponseWriter, r *http.Request) {
		if !a.localForm(w, r, "curl -d user=… -d kind=…") {
			return
		}
		kind := tap.MethodKind(strings.TrimSpace(r.PostForm.Get("kind")))
		if kind == "" {
			kind = tap.MethodWindowsHello
		}
		switch kind {
		case tap.MethodWindowsHello, tap.MethodAuthenticator, tap.MethodFIDO2, tap.MethodPhone, tap.MethodSoftwareOATH, tap.MethodEmail:
		default:
			http.Error(w, "kind must be windows_hello, authenticator, fido2, phone, software_oath or email", http.StatusBadRequest)
			return
		}
		user := strings.TrimSpace(r.PostForm.Get("user"))
		id, err := a.tenant.RegisterMethod(user, kind)
		if err != nil {
			http.Error(w, fmt.Sprintf("register %s for %q: %v", kind, user, err), http.StatusNotFound)
			return
		}
		fmt.Fprintf(w, "registered %s for %s (method %s)\n", kind, user, id)
	})
	// What makes a pass stop working, so "my pass doesn't work" can be tried:
	//
	//	curl -d user=sarah.johnson@contoso.com -d do=expire http://127.0.0.1:3978/_local/pass
	//	curl -d user=sarah.johnson@contoso.com -d do=use http://127.0.0.1:3978/_local/pass
	a.mux.HandleFunc("POST /_local/pass", func(w http.ResponseWriter, r *http.Request) {
		if !a.localForm(w, r, "curl -d user=… -d do=expire") {
			return
		}
		user := strings.TrimSpace(r.PostForm.Get("user"))
		var err error
		switch do := r.PostForm.Get("do"); do {
		case "expire":
			err = a.tenant.ExpirePass(user)
		case "use":
			err = a.tenant.UseOnce(user)
		default:
			http.Error(w, "do must be expire (end the pass now) or use (sign in with it once)", http.StatusBadRequest)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		for _, p := range a.tenant.Passes(user) {
			fmt.Fprintf(w, "pass of %s: isUsable=%v methodUsabilityReason=%s\n", user, p.IsUsable, p.Reason)
		}
	})
	a.mux.HandleFunc("POST /_local/signins", a.localSignIn)
}

// localSignIn simulates "Sarah signs in with her pass from IP X at time
// T" in the simulated tenant's sign-in log, so the watch's alerts can be
// seen in the playground:
//
//	curl -d user=sarah.johnson@contoso.com -d ip=203.0.113.7 -d at=2026-12-07T21:30:00-08:00 \
//	     -d city=Seattle -d country=US http://127.0.0.1:3978/_local/signins
func (a *app) localSignIn(w http.ResponseWriter, r *http.Request) {
	if !a.localForm(w, r, "curl -d user=… -d ip=…") {
		return
	}
	f := func(k string) string { return strings.TrimSpace(r.PostForm.Get(k)) }
	s := simtenant.SignIn{UserID: f("user"), IP: f("ip"), City: f("city"), State: f("state"), Country: f("country"),
		OS: f("os"), Browser: f("browser")}
	if net.ParseIP(s.IP) == nil {
		http.Error(w, fmt.Sprintf("ip %q is not an IP address (example: -d ip=203.0.113.7)", s.IP), http.StatusBadRequest)
		return
	}
	if v := f("at"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			http.Error(w, fmt.Sprintf("at %q: use RFC 3339, e.g. 2026-12-07T21:30:00-08:00", v), http.StatusBadRequest)
			return
		}
		s.At = t
	}
	if f("failed") == "true" {
		s.ErrorCode = 50126 // invalid credentials
	}
	id, err := a.tenant.RecordSignIn(s)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	fmt.Fprintf(w, "recorded sign-in %s for %s from %s\n", id, s.UserID, s.IP)
}

// localForm admits a local helper call and parses its form: from a
// program on this machine only (no browser origin at all: the helpers are
// for curl and act.mjs), as a small form. It answers the refusal itself.
func (a *app) localForm(w http.ResponseWriter, r *http.Request, example string) bool {
	if reason := (loopback.Guard{}).Check(r); reason != "" {
		a.log.Warn("local helper refused", "reason", reason)
		http.Error(w, "forbidden: "+reason, http.StatusForbidden)
		return false
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		http.Error(w, "unsupported media type: send a form ("+example+")", http.StatusUnsupportedMediaType)
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return false
	}
	return true
}
