package simtenant_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

// A local-mode restart keeps the passes and methods the store refers to,
// and the state file never holds a pass value.
func TestPersistSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "simtenant.json")
	tn, _ := demo(t)
	if err := tn.PersistTo(path); err != nil {
		t.Fatal(err)
	}
	st, created := call(t, tn, "POST", tapPath, map[string]any{"lifetimeInMinutes": 120}, nil)
	if st != http.StatusCreated {
		t.Fatalf("create: %d %v", st, created)
	}
	value, _ := created["temporaryAccessPass"].(string)
	if _, err := tn.RegisterMethod(simtenant.DemoSarahID, tap.MethodWindowsHello); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if value == "" || strings.Contains(string(raw), value) {
		t.Fatalf("state file holds the pass value (or no value was created): %q", raw)
	}

	again := simtenant.New()
	simtenant.Demo(again)
	if err := again.PersistTo(path); err != nil {
		t.Fatal(err)
	}
	again.Start()
	t.Cleanup(again.Close)
	passes := again.Passes(simtenant.DemoSarahID)
	if len(passes) != 1 || passes[0].ID != created["id"] || passes[0].Value != "" || passes[0].LifetimeMinutes != 120 {
		t.Fatalf("after restart passes = %+v, want %v without its value", passes, created["id"])
	}
	_, list := call(t, again, "GET", "/users/"+simtenant.DemoSarahID+"/authentication/methods", nil, nil)
	if !strings.Contains(strings.ToLower(mustJSON(t, list)), "windowshello") {
		t.Errorf("after restart methods = %v, want Windows Hello", list)
	}
	if st, _ := call(t, again, "DELETE", tapPath+"/"+passes[0].ID, nil, nil); st != http.StatusNoContent {
		t.Fatalf("delete after restart: %d", st)
	}
	third := simtenant.New()
	simtenant.Demo(third)
	if err := third.PersistTo(path); err != nil {
		t.Fatal(err)
	}
	if p := third.Passes(simtenant.DemoSarahID); len(p) != 0 {
		t.Errorf("deleted pass came back: %+v", p)
	}
	if err := again.SaveError(); err != nil {
		t.Error(err)
	}
}

func TestPersistRejectsCorruptState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "simtenant.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	tn := simtenant.New()
	if err := tn.PersistTo(path); err == nil {
		t.Fatal("corrupt state file accepted")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Restarting twice does not duplicate the methods Demo seeds.
func TestPersistDoesNotDuplicateSeededMethods(t *testing.T) {
	path := filepath.Join(t.TempDir(), "simtenant.json")
	count := func() int {
		tn := simtenant.New()
		simtenant.Demo(tn)
		if err := tn.PersistTo(path); err != nil {
			t.Fatal(err)
		}
		tn.Start()
		defer tn.Close()
		n := 0
		for _, id := range []string{simtenant.DemoSarahID, simtenant.DemoDiegoID} {
			_, list := call(t, tn, "GET", "/users/"+id+"/authentication/methods", nil, nil)
			items, _ := list["value"].([]any)
			n += len(items)
		}
		return n
	}
	first, second, third := count(), count(), count()
	if first == 0 || first != second || second != third {
		t.Errorf("methods after restarts: %d, %d, %d; want the same non-zero count", first, second, third)
	}
}

// A sign-in recorded in local mode (/_local/signins) survives a restart,
// with the one-time pass it used, and new sign-ins get new ids.
func TestPersistKeepsSignIns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "simtenant.json")
	tn, _ := demo(t)
	if err := tn.PersistTo(path); err != nil {
		t.Fatal(err)
	}
	if st, created := call(t, tn, "POST", tapPath, map[string]any{"lifetimeInMinutes": 120, "isUsableOnce": true}, nil); st != http.StatusCreated {
		t.Fatalf("create: %d %v", st, created)
	}
	first, err := tn.RecordSignIn(simtenant.SignIn{UserID: simtenant.DemoSarahID, IP: "203.0.113.7", City: "Seattle", Country: "US"})
	if err != nil {
		t.Fatal(err)
	}
	again := simtenant.New()
	simtenant.Demo(again)
	if err := again.PersistTo(path); err != nil {
		t.Fatal(err)
	}
	again.Start()
	t.Cleanup(again.Close)
	req, err := http.NewRequest(http.MethodGet, strings.TrimSuffix(again.URL(), "/v1.0")+
		"/beta/auditLogs/signIns?$filter=userId%20eq%20'"+simtenant.DemoSarahID+"'", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer test-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if got := string(body); !strings.Contains(got, first) || !strings.Contains(got, "203.0.113.7") {
		t.Fatalf("after restart the sign-in log is %s, want %s from 203.0.113.7", got, first)
	}
	if p := again.Passes(simtenant.DemoSarahID); len(p) != 1 || p[0].Uses != 1 {
		t.Fatalf("after restart the one-time pass is %+v, want used", p)
	}
	second, err := again.RecordSignIn(simtenant.SignIn{UserID: simtenant.DemoSarahID, IP: "203.0.113.8"})
	if err != nil {
		t.Fatal(err)
	}
	if second == first {
		t.Fatalf("a new sign-in reused id %s", first)
	}
}
