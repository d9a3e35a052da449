package main

import (
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/tapbot/tapbot/internal/tap"
)

// localRoutes serve local mode's simulated tenant helpers on the bot's
// loopback listener: what a new hire would do in Entra (register Windows
// Hello, Authenticator or a passkey) so "done" can be tried.
//
//	curl -d user=sarah.johnson@contoso.com -d kind=windows_hello http://127.0.0.1:3978/_local/methods
func (a *app) localRoutes() {
	if a.tenant == nil {
		return
	}
	a.mux.HandleFunc("POST /_local/methods", func(w http.ResponseWriter, r *http.Request) {
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err != nil || !isLoopbackHost(host) {
			http.Error(w, "local mode helpers answer loopback callers only", http.StatusForbidden)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
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
}
