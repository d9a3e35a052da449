package connector

import (
	"net"
	"net/url"
	"strings"
)

// AllowList is a set of serviceUrl hosts. An entry "host" allows that host
// on any port; an entry "host:port" ("[::1]:56150" for IPv6) allows it on
// that port only, so a loopback entry can name one local service and no
// other.
type AllowList map[string]bool

// NewAllowList builds an AllowList from host and host:port entries (case
// does not matter).
func NewAllowList(entries []string) AllowList {
	l := AllowList{}
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		if h, p, err := net.SplitHostPort(e); err == nil {
			l[net.JoinHostPort(h, p)] = true
			continue
		}
		l[strings.TrimSuffix(strings.TrimPrefix(e, "["), "]")] = true
	}
	return l
}

// Allows reports whether u's host (and port, for a host:port entry) is
// listed. A URL without a port is on its scheme's default port.
func (l AllowList) Allows(u *url.URL) bool {
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return false
	}
	if l[host] {
		return true
	}
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		default:
			return false
		}
	}
	return l[net.JoinHostPort(host, port)]
}
