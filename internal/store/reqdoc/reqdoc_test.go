package reqdoc_test

import (
	"bytes"
	"testing"

	"github.com/tapbot/tapbot/internal/store/reqdoc"
	"github.com/tapbot/tapbot/internal/tap"
)

func TestRoundTripKeepsSealedOutOfTheDocument(t *testing.T) {
	r := &tap.Request{ID: "r1", State: tap.StateIssued, Justification: "first day", Sealed: []byte("CIPHERTEXT")}
	doc, sealed, err := reqdoc.Encode(r, 7)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(doc, []byte("CIPHERTEXT")) || !bytes.Equal(sealed, r.Sealed) {
		t.Fatalf("doc %s sealed %q", doc, sealed)
	}
	got, err := reqdoc.Decode(7, doc, sealed)
	if err != nil || got.Version != 7 || got.Justification != "first day" || string(got.Sealed) != "CIPHERTEXT" {
		t.Fatalf("decode: %+v %v", got, err)
	}
	sealed[0] = 'X'
	if got.Sealed[0] != 'C' {
		t.Error("decoded sealed bytes alias the caller's buffer")
	}
	if _, s, _ := reqdoc.Encode(&tap.Request{ID: "r2", Sealed: []byte{}}, 1); s != nil {
		t.Error("empty sealed bytes not stored as NULL")
	}
	if _, err := reqdoc.Decode(1, []byte("{"), nil); err == nil {
		t.Error("a broken document decoded")
	}
}
