package approvals

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/tapbot/tapbot/internal/tap"
)

// errSeal is returned when a sealed pass cannot be opened: wrong key,
// wrong request or recipient, or damaged bytes. It never says which.
var errSeal = errors.New("sealed pass cannot be opened")

// sealer wraps a pass value with AES-256-GCM under a key that lives only
// in configuration. The associated data binds the sealed bytes to one
// request and one recipient, so a copy moved to another row or opened for
// another person fails authentication. It seals under the current key and
// opens under it or a previous one, so the key can be rotated while passes
// wait to be revealed.
type sealer struct {
	aead cipher.AEAD   // the current key: seals and opens
	prev []cipher.AEAD // previous keys: open only
}

func newSealer(key []byte, previous ...[]byte) (*sealer, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	s := &sealer{aead: aead}
	for i, k := range previous {
		a, err := newAEAD(k)
		if err != nil {
			return nil, fmt.Errorf("previous seal key %d: %w", i+1, err)
		}
		s.prev = append(s.prev, a)
	}
	return s, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("seal key is %d bytes, want 32 (AES-256): %w", len(key), tap.ErrInvalidInput)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	return aead, nil
}

// sealAD is the associated data: request id, a NUL, the recipient key.
func sealAD(id tap.RequestID, recipient string) []byte {
	return []byte(string(id) + "\x00" + recipient)
}

// seal returns nonce || ciphertext+tag with a fresh random 96-bit nonce.
func (s *sealer) seal(id tap.RequestID, recipient string, value tap.Secret) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(value.Reveal())+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal nonce: %w", err)
	}
	return s.aead.Seal(nonce, nonce, []byte(value.Reveal()), sealAD(id, recipient)), nil
}

// open reverses seal. Any mismatch is errSeal.
func (s *sealer) open(id tap.RequestID, recipient string, sealed []byte) (tap.Secret, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return tap.Secret{}, errSeal
	}
	for _, a := range append([]cipher.AEAD{s.aead}, s.prev...) {
		if plain, err := a.Open(nil, sealed[:n], sealed[n:], sealAD(id, recipient)); err == nil {
			return tap.NewSecret(string(plain)), nil
		}
	}
	return tap.Secret{}, errSeal
}
