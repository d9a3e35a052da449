package azure

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

type template struct {
	Schema     string                     `json:"$schema"`
	Parameters map[string]json.RawMessage `json:"parameters"`
	Variables  map[string]json.RawMessage `json:"variables"`
	Resources  []resource                 `json:"resources"`
	Outputs    map[string]json.RawMessage `json:"outputs"`
}

type resource struct {
	Type       string                 `json:"type"`
	APIVersion string                 `json:"apiVersion"`
	Name       string                 `json:"name"`
	Identity   *struct{ Type string } `json:"identity"`
	Properties json.RawMessage        `json:"properties"`
}

type secret struct {
	Name        string `json:"name"`
	KeyVaultURL string `json:"keyVaultUrl"`
	Identity    string `json:"identity"`
	Value       string `json:"value"`
}

type envVar struct {
	Name      string `json:"name"`
	Value     string `json:"value"`
	SecretRef string `json:"secretRef"`
}

func load(t *testing.T, name string, v any) []byte {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return raw
}

func TestTemplateParsesAndReferencesResolve(t *testing.T) {
	var tpl template
	raw := load(t, "main.json", &tpl)
	if !strings.Contains(tpl.Schema, "deploymentTemplate.json") {
		t.Errorf("$schema = %q", tpl.Schema)
	}
	for kind, declared := range map[string]map[string]json.RawMessage{"parameters": tpl.Parameters, "variables": tpl.Variables} {
		used := map[string]bool{}
		for _, m := range regexp.MustCompile(kind+`\('([A-Za-z0-9]+)'\)`).FindAllSubmatch(raw, -1) {
			used[string(m[1])] = true
			if _, ok := declared[string(m[1])]; !ok {
				t.Errorf("%s('%s') is used but not declared", kind, m[1])
			}
		}
		for name := range declared {
			if !used[name] {
				t.Errorf("%s %q is declared but never used", kind, name)
			}
		}
	}
	var types []string
	for _, r := range tpl.Resources {
		if r.APIVersion == "" || r.Name == "" {
			t.Errorf("resource %s lacks apiVersion or name", r.Type)
		}
		types = append(types, r.Type)
	}
	for _, want := range []string{"Microsoft.App/containerApps", "Microsoft.App/managedEnvironments",
		"Microsoft.DBforPostgreSQL/flexibleServers", "Microsoft.ManagedIdentity/userAssignedIdentities",
		"Microsoft.Authorization/roleAssignments"} {
		if !slices.Contains(types, want) {
			t.Errorf("no %s resource", want)
		}
	}
}

func TestSecretsComeFromKeyVaultThroughTheIdentity(t *testing.T) {
	var tpl template
	load(t, "main.json", &tpl)
	var app *resource
	for i := range tpl.Resources {
		if tpl.Resources[i].Type == "Microsoft.App/containerApps" {
			app = &tpl.Resources[i]
		}
	}
	if app == nil || app.Identity == nil || app.Identity.Type != "UserAssigned" {
		t.Fatalf("container app identity: %+v", app)
	}
	var secrets []secret
	for _, v := range []string{"coreSecrets", "teamsSecrets", "slackSecrets"} {
		var s []secret
		if err := json.Unmarshal(tpl.Variables[v], &s); err != nil {
			t.Fatalf("variables.%s: %v", v, err)
		}
		secrets = append(secrets, s...)
	}
	names := map[string]bool{}
	for _, s := range secrets {
		names[s.Name] = true
		if s.Value != "" || !strings.Contains(s.KeyVaultURL, "vaultUri") || s.Identity == "" {
			t.Errorf("secret %s is not a Key Vault reference through the identity: %+v", s.Name, s)
		}
	}
	for _, want := range []string{"seal-key", "audit-key", "database-url"} {
		if !names[want] {
			t.Errorf("no %s secret", want)
		}
	}
	for _, v := range []string{"coreEnv", "teamsEnv", "slackEnv"} {
		var env []envVar
		if err := json.Unmarshal(tpl.Variables[v], &env); err != nil {
			t.Fatalf("variables.%s: %v", v, err)
		}
		for _, e := range env {
			if e.SecretRef != "" && !names[e.SecretRef] {
				t.Errorf("%s refers to undeclared secret %s", e.Name, e.SecretRef)
			}
			if regexp.MustCompile(`_(KEY|SECRET|TOKEN|DATABASE_URL)$`).MatchString(e.Name) && e.SecretRef == "" {
				t.Errorf("%s is set from a plain value, want a secretRef", e.Name)
			}
		}
	}
}

func TestExampleParametersMatchTheTemplate(t *testing.T) {
	var tpl template
	load(t, "main.json", &tpl)
	var ex struct {
		Parameters map[string]json.RawMessage `json:"parameters"`
	}
	load(t, "main.parameters.example.json", &ex)
	for name := range ex.Parameters {
		if _, ok := tpl.Parameters[name]; !ok {
			t.Errorf("example sets unknown parameter %q", name)
		}
	}
	for name, raw := range tpl.Parameters {
		var p struct {
			DefaultValue any `json:"defaultValue"`
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		if _, set := ex.Parameters[name]; p.DefaultValue == nil && !set {
			t.Errorf("required parameter %q missing from the example", name)
		}
	}
}
