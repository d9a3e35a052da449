package slack

import (
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestManifestMatchesCode(t *testing.T) {
	raw, err := os.ReadFile("../../manifests/slack/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			SlashCommands []struct {
				Command string `yaml:"command"`
			} `yaml:"slash_commands"`
			AppHome struct {
				MessagesTab bool `yaml:"messages_tab_enabled"`
			} `yaml:"app_home"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot  []string `yaml:"bot"`
				User []string `yaml:"user"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				BotEvents []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled bool `yaml:"is_enabled"`
			} `yaml:"interactivity"`
			SocketMode bool `yaml:"socket_mode_enabled"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if cmds := m.Features.SlashCommands; len(cmds) != 1 || cmds[0].Command != Command {
		t.Errorf("slash commands %+v, want only %s", cmds, Command)
	}
	var want []string
	for s := range botScopes {
		want = append(want, s)
	}
	slices.Sort(want)
	got := slices.Sorted(slices.Values(m.OAuth.Scopes.Bot))
	if !slices.Equal(got, want) {
		t.Errorf("bot scopes %v, code uses exactly %v", got, want)
	}
	if len(m.OAuth.Scopes.User) != 0 {
		t.Errorf("user scopes %v: tapbot needs none", m.OAuth.Scopes.User)
	}
	if got := slices.Sorted(slices.Values(m.Settings.Events.BotEvents)); !slices.Equal(got, botEvents) {
		t.Errorf("bot events %v, code handles %v", got, botEvents)
	}
	if !m.Settings.Interactivity.Enabled || !m.Settings.SocketMode || !m.Features.AppHome.MessagesTab {
		t.Errorf("interactivity %v, socket mode %v, messages tab %v: all must be on",
			m.Settings.Interactivity.Enabled, m.Settings.SocketMode, m.Features.AppHome.MessagesTab)
	}
	if n := strings.Count(string(raw), "https://<host>/slack/events"); n != 3 {
		t.Errorf("the HTTP-mode URLs (command, events, interactivity) should be documented: %d found", n)
	}
}
