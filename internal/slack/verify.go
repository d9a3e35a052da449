package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// maxBody caps an inbound request body before it is hashed.
const maxBody = 1 << 20

// maxSkew is how far a request timestamp may be from now.
const maxSkew = 300 * time.Second

var errBadSignature = errors.New("slack request signature invalid")

// errTooLarge is a request whose signature headers are well formed and
// fresh but whose body is over maxBody: it is not read past the limit, so
// its signature is never checked.
var errTooLarge = errors.New("slack request body too large")

// verifier checks Slack's v0 request signatures. It never reports the
// computed signature anywhere: failures are a bare errBadSignature.
type verifier struct {
	secret []byte
	now    func() time.Time
	macs   *sync.Pool // of hash.Hash keyed with secret
}

func newVerifier(secret string) verifier {
	key := []byte(secret)
	return verifier{secret: key, now: time.Now,
		macs: &sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
}

// read reads the body (capped at maxBody) and verifies the signature over
// the raw bytes. A body over the cap returns errTooLarge; any other failure
// returns errBadSignature.
func (v verifier) read(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if len(v.secret) == 0 {
		return nil, errBadSignature
	}
	tsHdr := r.Header.Get("X-Slack-Request-Timestamp")
	sigHdr := r.Header.Get("X-Slack-Signature")
	if tsHdr == "" || len(sigHdr) != 3+sha256.Size*2 || sigHdr[:3] != "v0=" {
		return nil, errBadSignature
	}
	ts, err := strconv.ParseInt(tsHdr, 10, 64)
	if err != nil {
		return nil, errBadSignature
	}
	if d := v.now().Sub(time.Unix(ts, 0)); d > maxSkew || d < -maxSkew {
		return nil, errBadSignature
	}
	var want [sha256.Size]byte
	if _, err := hex.Decode(want[:], []byte(sigHdr[3:])); err != nil {
		return nil, errBadSignature
	}
	if r.ContentLength > maxBody {
		return nil, errTooLarge
	}
	body, err := readAll(http.MaxBytesReader(w, r.Body, maxBody), r.ContentLength)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, errTooLarge
	}
	if err != nil {
		return nil, errBadSignature
	}
	var got [sha256.Size]byte
	if !hmac.Equal(v.sign(got[:0], tsHdr, body), want[:]) {
		return nil, errBadSignature
	}
	return body, nil
}

// sign appends HMAC-SHA256 over "v0:ts:body" to dst.
func (v verifier) sign(dst []byte, ts string, body []byte) []byte {
	m := v.macs.Get().(hash.Hash)
	defer v.macs.Put(m)
	m.Reset()
	_, _ = io.WriteString(m, "v0:")
	_, _ = io.WriteString(m, ts)
	_, _ = m.Write([]byte{':'})
	_, _ = m.Write(body)
	return m.Sum(dst)
}

// readAll reads r fully, sizing the buffer from the declared length.
func readAll(r io.Reader, n int64) ([]byte, error) {
	if n <= 0 || n > maxBody {
		n = 512
	}
	buf := make([]byte, 0, n+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
