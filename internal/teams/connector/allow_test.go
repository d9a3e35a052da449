package connector_test

import (
	"net/url"
	"testing"

	"github.com/tapbot/tapbot/internal/teams/connector"
)

func TestAllowListPorts(t *testing.T) {
	l := connector.NewAllowList([]string{"smba.trafficmanager.net", "localhost:56150", "127.0.0.1:56150", "[::1]:56150"})
	for raw, want := range map[string]bool{
		"https://smba.trafficmanager.net/amer/":      true,
		"https://SMBA.trafficmanager.net:8443/amer/": true, // a bare host entry allows any port
		"http://localhost:56150/_connector":          true,
		"http://127.0.0.1:56150/_connector":          true,
		"http://[::1]:56150/_connector":              true,
		"http://127.0.0.1:6379/":                     false, // another local service
		"http://localhost/_connector":                false, // port 80
		"http://[::1]:8080/":                         false,
		"https://evil.example/":                      false,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Allows(u); got != want {
			t.Errorf("Allows(%s) = %v, want %v", raw, got, want)
		}
	}
}
