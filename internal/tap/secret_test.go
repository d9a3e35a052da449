package tap_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/tap"
)

// TestSecretNeverPrints: every way a value can be printed, logged or
// encoded yields the redaction marker, never the pass.
func TestSecretNeverPrints(t *testing.T) {
	const pass = "4j6-$8h2"
	s := tap.NewSecret(pass)
	type carrier struct {
		Pass tap.Secret
		Ptr  *tap.Secret
	}
	c := carrier{Pass: s, Ptr: &s}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Info("issued", "pass", s, "carrier", c)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("issued", "pass", s)
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	txt, _ := s.MarshalText()
	outputs := map[string]string{
		"%v": fmt.Sprintf("%v", s), "%s": fmt.Sprintf("%s", s), "%q": fmt.Sprintf("%q", s),
		"%+v": fmt.Sprintf("%+v", c), "%#v": fmt.Sprintf("%#v", s), "%x": fmt.Sprintf("%x", s),
		"String": s.String(), "GoString": s.GoString(), "json": string(js), "text": string(txt),
		"logs": logs.String(), "error": fmt.Errorf("create pass %v: %w", s, errors.New("boom")).Error(),
	}
	for name, out := range outputs {
		if strings.Contains(out, pass) {
			t.Errorf("%s leaks the pass: %s", name, out)
		}
		if !strings.Contains(out, tap.Redacted) {
			t.Errorf("%s does not show the redaction marker: %s", name, out)
		}
	}
	if s.Reveal() != pass {
		t.Fatal("Reveal lost the value")
	}
	if !tap.NewSecret("").IsZero() || (tap.Secret{}).Reveal() != "" || s.IsZero() {
		t.Error("IsZero/Reveal on empty secrets")
	}
}
