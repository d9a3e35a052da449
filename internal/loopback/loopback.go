// Package loopback guards local mode's unauthenticated endpoints (the Teams
// endpoint the Microsoft 365 Agents Playground posts to, and the /_local
// helpers). Only a program on this machine may call them: not a web page the
// developer visits (cross-site request forgery), not a page whose name was
// rebound to 127.0.0.1 (DNS rebinding), and not a tunnel or proxy that makes
// the loopback port public.
package loopback

import (
	"net"
	"net/http"
	"strconv"
	"strings"
)

// Guard decides whether a request may reach a local-mode endpoint.
type Guard struct {
	// Origins are the browser origins allowed to call, each
	// "scheme://host:port" (the playground's web UI). A request without an
	// Origin header (curl, the playground's server-side post) is not a
	// browser's and passes this check.
	Origins []string
}

// forwardHeaders are set by proxies and tunnels (ngrok, dev tunnels,
// reverse proxies), never by a client on this machine talking directly.
var forwardHeaders = []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-Ip"}

// Refusal sentences, safe to show the caller: they echo nothing it sent.
const (
	RefusedPeer      = "local mode answers programs on this machine only"
	RefusedForwarded = "local mode refuses requests relayed by a proxy or tunnel (Forwarded / X-Forwarded-For)"
	RefusedHost      = "local mode answers requests addressed to localhost, 127.0.0.1 or [::1] only"
	RefusedOrigin    = "local mode refuses requests sent by web pages"
)

// Check returns "" when r may be served, or the sentence saying why not
// (answer it with 403 Forbidden).
func (g Guard) Check(r *http.Request) string {
	switch {
	case !IsLoopbackAddr(r.RemoteAddr):
		return RefusedPeer
	case forwarded(r.Header):
		return RefusedForwarded
	case !IsLoopbackHost(r.Host):
		return RefusedHost
	case !g.originAllowed(r.Header):
		return RefusedOrigin
	}
	return ""
}

func forwarded(h http.Header) bool {
	for _, k := range forwardHeaders {
		if _, ok := h[k]; ok {
			return true
		}
	}
	return false
}

// originAllowed reports whether the request has no Origin header or one
// listed in g.Origins. "null" (a sandboxed or privacy-redirected page) is
// never listed, so it is refused.
func (g Guard) originAllowed(h http.Header) bool {
	vals, ok := h["Origin"]
	if !ok {
		return true
	}
	if len(vals) != 1 {
		return false
	}
	for _, o := range g.Origins {
		if strings.EqualFold(vals[0], o) {
			return true
		}
	}
	return false
}

// IsLoopbackHost reports whether a Host header value names this machine:
// localhost, 127.0.0.1 or [::1], with or without a numeric port. A page
// rebound to 127.0.0.1 still sends its own name, so it fails here.
func IsLoopbackHost(host string) bool {
	name := host
	if h, port, err := net.SplitHostPort(host); err == nil {
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return false
		}
		name = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		name = host[1 : len(host)-1]
	} else if strings.Contains(host, ":") {
		return false // an unbracketed IPv6 address or a malformed port
	}
	switch strings.ToLower(name) {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

// IsLoopbackAddr reports whether an address (host:port or a bare host) is
// a loopback IP.
func IsLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
