// Package reqdoc is the stored form of a request shared by the SQL stores:
// a JSON document of everything but the sealed pass, which travels in its
// own column (ciphertext, never inside the document).
package reqdoc

import (
	"encoding/json"
	"fmt"

	"github.com/tapbot/tapbot/internal/tap"
)

// Encode returns r's document as stored at version v and its sealed bytes
// (nil when there are none, stored as NULL).
func Encode(r *tap.Request, v int64) (doc, sealed []byte, err error) {
	c := *r
	c.Version = v
	c.Sealed = nil
	doc, err = json.Marshal(&c)
	if err != nil {
		return nil, nil, fmt.Errorf("encode request %s: %w", r.ID, err)
	}
	if len(r.Sealed) > 0 {
		sealed = r.Sealed
	}
	return doc, sealed, nil
}

// Decode rebuilds a request from its stored version, document and sealed
// bytes (copied, so the caller may reuse its buffers).
func Decode(version int64, doc, sealed []byte) (*tap.Request, error) {
	r := new(tap.Request)
	if err := json.Unmarshal(doc, r); err != nil {
		return nil, fmt.Errorf("decode request: %w", err)
	}
	r.Version = version
	if len(sealed) > 0 {
		r.Sealed = append([]byte(nil), sealed...)
	}
	return r, nil
}
