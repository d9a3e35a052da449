package tap

import (
	"fmt"
	"log/slog"
)

// Secret holds a live credential (a Temporary Access Pass value). Every way
// of printing it — String, GoString, Format (%v, %s, %q, %#v), LogValue,
// MarshalJSON, MarshalText — yields the redaction marker. The value is only
// reachable through Reveal, which adapters call when drawing a private view.
type Secret struct {
	v *string
}

// Redacted is what a Secret prints as.
const Redacted = "[REDACTED]"

// NewSecret wraps a credential value.
func NewSecret(v string) Secret { return Secret{v: &v} }

// Reveal returns the wrapped value. Call it only to draw a private view or
// to seal the value.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}

// IsZero reports whether the Secret holds no value.
func (s Secret) IsZero() bool { return s.v == nil || *s.v == "" }

// String redacts.
func (s Secret) String() string { return Redacted }

// GoString redacts.
func (s Secret) GoString() string { return Redacted }

// Format redacts for every verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

// LogValue redacts in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalJSON redacts.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText redacts.
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }
