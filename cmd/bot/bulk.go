package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tapbot/tapbot/internal/bulk"
	"github.com/tapbot/tapbot/internal/intake"
)

// bulkRow is one line of the file: what the API is asked, or why not.
type bulkRow struct {
	line    int
	in      intake.Input
	refused string // the sentence, when the row cannot be sent
	open    bool   // refused because the person has an open request (maybe this file's, sent before)
	id      string // the request opened
}

// bulkCmd is `bot bulk [--url URL] [--send] FILE`: it reads a CSV of new
// hires, validates every row with the intake API (nothing is opened), and
// prints a summary; with --send it then opens a request for every ready
// row, each with an Idempotency-Key derived from the file and the line, so
// running it again never opens a second request.
func bulkCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bulk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", cmp.Or(getenv("TAPBOT_BULK_URL"), "http://127.0.0.1:3978"), "tapbot's address")
	send := fs.Bool("send", false, "open a request for every ready row (without it, only validate)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: bot bulk [--url URL] [--send] FILE.csv")
		return 2
	}
	auth, err := bulkAuth(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "tapbot bulk:", err)
		return 2
	}
	raw, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "tapbot bulk:", err)
		return 2
	}
	rows, err := parseBulk(raw)
	if err != nil {
		fmt.Fprintf(stderr, "tapbot bulk: %s: %v\n", fs.Arg(0), err)
		return 2
	}
	c := &bulkClient{base: strings.TrimRight(*base, "/"), auth: auth, http: &http.Client{Timeout: 60 * time.Second}}
	c.each(ctx, rows, func(r *bulkRow) {
		if r.refused == "" {
			var status int
			_, r.refused, status = c.call(ctx, "/api/v1/requests/validate", r.in, "")
			r.open = status == http.StatusConflict
		}
	})
	ready := bulkSummary(stdout, rows, "ready")
	if !*send || ready == 0 && !anyOpen(rows) {
		if ready > 0 {
			fmt.Fprintf(stdout, "Nothing was sent. Run again with --send to send the %d ready rows for approval.\n", ready)
		}
		return bulkExit(rows)
	}
	toSend := 0
	for _, r := range rows {
		if r.refused == "" || r.open {
			toSend++
		}
	}
	if ready < toSend {
		fmt.Fprintf(stdout, "Sending the %d rows refused for an open request too: a request an earlier run of this file opened is kept, not opened twice.\n", toSend-ready)
	}
	sum := sha256.Sum256(raw)
	file := hex.EncodeToString(sum[:6])
	var (
		mu   sync.Mutex
		done int
	)
	c.each(ctx, rows, func(r *bulkRow) {
		if r.refused != "" && !r.open {
			return
		}
		// A row refused for an open request is sent too: if this file's
		// earlier run opened it, its Idempotency-Key gets it back.
		r.id, r.refused, _ = c.call(ctx, "/api/v1/requests", r.in, "bulk-"+file+"-"+strconv.Itoa(r.line))
		mu.Lock()
		done++
		if done%10 == 0 || done == toSend {
			fmt.Fprintf(stderr, "Sending %d requests: %d done\n", toSend, done)
		}
		mu.Unlock()
	})
	bulkSummary(stdout, rows, "sent for approval")
	return bulkExit(rows)
}

// bulkExit is 0 when every row went through, else 1.
func bulkExit(rows []*bulkRow) int {
	for _, r := range rows {
		if r.refused != "" {
			return 1
		}
	}
	return 0
}

// bulkSummary prints "48 rows: 45 ready, 3 refused" and each refusal.
func bulkSummary(w io.Writer, rows []*bulkRow, okWord string) int {
	ok := 0
	for _, r := range rows {
		if r.refused == "" {
			ok++
		}
	}
	fmt.Fprintf(w, "%d rows: %d %s, %d refused\n", len(rows), ok, okWord, len(rows)-ok)
	for _, r := range rows {
		if r.refused != "" {
			fmt.Fprintf(w, "  line %d (%s): %s\n", r.line, cmp.Or(r.in.Target, "no upn"), r.refused)
		}
	}
	return ok
}

// parseBulk reads the CSV (internal/bulk: header, limits, each row's
// own problems) into the API's input, one per line.
func parseBulk(raw []byte) ([]*bulkRow, error) {
	parsed, err := bulk.Parse(raw)
	if err != nil {
		return nil, err
	}
	rows := make([]*bulkRow, len(parsed))
	for i, p := range parsed {
		rows[i] = bulkRowOf(p)
	}
	return rows, nil
}

// bulkRowOf turns one parsed row into the API's input.
func bulkRowOf(p bulk.Row) *bulkRow {
	r := &bulkRow{line: p.Line, refused: p.Refused, in: intake.Input{Target: p.UPN, Reason: p.Reason, Notes: p.Note,
		Requester: cmp.Or(p.Manager, intake.RequesterManager), TimeZone: p.TimeZone, LifetimeMinutes: p.LifetimeMinutes,
		OneTime: p.OneTime, ExternalRef: cmp.Or(p.ExternalRef, "bulk:line-"+strconv.Itoa(p.Line))}}
	if p.HireDate() {
		r.in.HireDate = p.Start
	} else {
		r.in.Start = p.Start
	}
	return r
}

// bulkAuth signs each call: a bearer token (TAPBOT_BULK_TOKEN, an Entra
// access token for tapbot's API) or the HMAC secret the server has
// (TAPBOT_API_HMAC_SECRET or TAPBOT_API_HMAC_SECRET_FILE).
func bulkAuth(getenv func(string) string) (func(*http.Request, []byte), error) {
	if tok := getenv("TAPBOT_BULK_TOKEN"); tok != "" {
		return func(r *http.Request, _ []byte) { r.Header.Set("Authorization", "Bearer "+tok) }, nil
	}
	secret := getenv("TAPBOT_API_HMAC_SECRET")
	if f := getenv("TAPBOT_API_HMAC_SECRET_FILE"); secret == "" && f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("TAPBOT_API_HMAC_SECRET_FILE: %w", err)
		}
		secret = strings.TrimSpace(string(b))
	}
	if secret == "" {
		return nil, errors.New("set TAPBOT_BULK_TOKEN (an Entra access token for tapbot's API) or TAPBOT_API_HMAC_SECRET")
	}
	return func(r *http.Request, body []byte) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		r.Header.Set(intake.HeaderTimestamp, ts)
		r.Header.Set(intake.HeaderSignature, intake.Sign([]byte(secret), ts, r.Method, r.URL.RequestURI(), body))
	}, nil
}

// bulkClient calls the intake API, a few rows at a time.
type bulkClient struct {
	base string
	auth func(*http.Request, []byte)
	http *http.Client
}

// each runs fn over rows with four at a time.
func (c *bulkClient) each(ctx context.Context, rows []*bulkRow, fn func(*bulkRow)) {
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, r := range rows {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(r)
		}()
	}
	wg.Wait()
}

// anyOpen reports whether a row was refused only for an open request.
func anyOpen(rows []*bulkRow) bool {
	for _, r := range rows {
		if r.open {
			return true
		}
	}
	return false
}

// call POSTs in to path and returns the answer's id, or the problem's
// sentence (or what went wrong) as the refusal, and the HTTP status.
func (c *bulkClient) call(ctx context.Context, path string, in intake.Input, key string) (id, refused string, status int) {
	body, err := json.Marshal(in)
	if err != nil {
		return "", err.Error(), 0
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return "", err.Error(), 0
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set(intake.HeaderIdempotencyKey, key)
	}
	c.auth(req, body)
	resp, err := c.http.Do(req)
	if err != nil {
		return "", "tapbot did not answer: " + err.Error(), 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 == 2 {
		var v struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(b, &v)
		return v.ID, "", resp.StatusCode
	}
	var p intake.Problem
	if json.Unmarshal(b, &p) == nil && p.Detail != "" {
		return "", p.Detail, resp.StatusCode
	}
	return "", fmt.Sprintf("tapbot answered %s", resp.Status), resp.StatusCode
}
