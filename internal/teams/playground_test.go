package teams_test

import (
	"os"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/teams"
)

// TestPlaygroundConfigMatchesDemoTenant checks the repo's
// .m365agentsplayground.yml against local mode: the demo tenant's people
// (Entra object ids and UPNs) and the approvers channel.
func TestPlaygroundConfigMatchesDemoTenant(t *testing.T) {
	b, err := os.ReadFile("../../.m365agentsplayground.yml")
	if err != nil {
		t.Fatal(err)
	}
	type user struct {
		ID          string `yaml:"id"`
		Name        string `yaml:"name"`
		UPN         string `yaml:"userPrincipleName"`
		AADObjectID string `yaml:"aadObjectId"`
		Email       string `yaml:"email"`
	}
	var cfg struct {
		TenantID    string `yaml:"tenantId"`
		CurrentUser user   `yaml:"currentUser"`
		Users       []user `yaml:"users"`
		Team        struct {
			ID string `yaml:"id"`
		} `yaml:"team"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.TenantID != simtenant.DemoTenantID {
		t.Errorf("tenantId %s, want the demo tenant %s", cfg.TenantID, simtenant.DemoTenantID)
	}
	if cfg.Team.ID != teams.LocalApproversConversation {
		t.Errorf("team id %q, want LocalApproversConversation %q", cfg.Team.ID, teams.LocalApproversConversation)
	}
	demo := map[string]string{
		simtenant.DemoMeganUPN: simtenant.DemoMeganID, simtenant.DemoAlexUPN: simtenant.DemoAlexID,
		simtenant.DemoIrvinUPN: simtenant.DemoIrvinID, simtenant.DemoSarahUPN: simtenant.DemoSarahID,
		simtenant.DemoDiegoUPN: simtenant.DemoDiegoID, simtenant.DemoAdeleUPN: simtenant.DemoAdeleID,
	}
	if cfg.CurrentUser.AADObjectID != simtenant.DemoMeganID {
		t.Errorf("current user %s is not Megan Bowen", cfg.CurrentUser.Name)
	}
	for _, u := range append([]user{cfg.CurrentUser}, cfg.Users...) {
		if id, ok := demo[u.UPN]; !ok || id != u.AADObjectID || u.Email != u.UPN {
			t.Errorf("%s (%s, %s) is not a demo tenant user", u.Name, u.UPN, u.AADObjectID)
		}
	}
}
