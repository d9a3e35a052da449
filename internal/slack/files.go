package slack

import (
	"context"
	"fmt"
	"io"

	"github.com/tapbot/tapbot/internal/chat"
)

// sharedFile is a file shared in the bot's DM, downloaded only when the
// core asks (it first decides whether the sender may send one): with the
// bot token (files:read) from url_private_download, which slack-go sends
// the token to only on Slack's own https hosts or the configured API URL.
func (a *Adapter) sharedFile(f eventFile) *chat.File {
	typ := f.Mimetype
	if typ == "" && f.Filetype == "csv" {
		typ = "text/csv"
	}
	return &chat.File{Name: f.Name, Type: typ, Size: f.Size, Open: func(ctx context.Context, max int64) ([]byte, error) {
		if f.URLPrivateDownload == "" {
			return nil, fmt.Errorf("slack file %s: no download url", f.ID)
		}
		w := &capped{max: max}
		if err := a.api.GetFileContext(ctx, f.URLPrivateDownload, w); err != nil {
			if w.over {
				return nil, fmt.Errorf("slack file %s: %w", f.ID, chat.ErrTooLarge)
			}
			return nil, fmt.Errorf("slack file %s: %w", f.ID, classify("files download", err))
		}
		return w.buf, nil
	}}
}

// capped collects at most max bytes and fails the copy past them.
type capped struct {
	buf  []byte
	max  int64
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if int64(len(c.buf)+len(p)) > c.max {
		c.over = true
		return 0, io.ErrShortWrite
	}
	c.buf = append(c.buf, p...)
	return len(p), nil
}
