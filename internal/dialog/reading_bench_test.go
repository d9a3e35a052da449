package dialog

import (
	"strings"
	"testing"
)

// BenchmarkStepLongMessage reads the longest message accepted, built of
// the pieces that make the reader look ahead (reason notes, numbers,
// ranges, cities).
func BenchmarkStepLongMessage(b *testing.B) {
	for _, tc := range []struct{ name, unit string }{
		{"reason-notes", "onboarding - recovery: "},
		{"numbers", "9 to 5 8 Buenos Aires "},
		{"words", "lorem ipsum dolor sit "},
	} {
		text := strings.Repeat(tc.unit, MaxMessage/len(tc.unit))
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				s := New()
				s.Step(testCfg, Input{Now: testNow, Zone: ny, Text: text})
			}
		})
	}
}
