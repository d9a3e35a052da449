package teams

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
)

// contentFileDownload is the attachment Teams adds to a message when a
// file is sent in a 1:1 chat with a bot whose manifest has supportsFiles.
const contentFileDownload = "application/vnd.microsoft.teams.file.download.info"

// fileHostSuffixes are where Teams keeps files sent to a bot: the
// sender's OneDrive (SharePoint) in the commercial and national clouds.
var fileHostSuffixes = []string{".sharepoint.com", ".sharepoint.us", ".sharepoint-mil.us", ".sharepoint.cn", ".sharepoint.de"}

// fileClient downloads shared files; the downloadUrl is pre-authorised
// and short-lived, so no credential of tapbot's is ever sent with it.
var fileClient = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}}

// sharedFile is the file an activity carries, or nil: downloaded only
// when the core asks, only from SharePoint over https (in LocalMode also
// from loopback, where the Agents Playground and tests serve it).
func (a *Adapter) sharedFile(act *activity) *chat.File {
	for _, at := range act.Attachments {
		if !strings.EqualFold(at.ContentType, contentFileDownload) {
			continue
		}
		c, _ := at.Content.(map[string]any)
		link, _ := c["downloadUrl"].(string)
		typ, _ := c["fileType"].(string)
		mime := ""
		if strings.EqualFold(typ, "csv") {
			mime = "text/csv"
		}
		return &chat.File{Name: at.Name, Type: mime, Open: func(ctx context.Context, max int64) ([]byte, error) {
			return a.download(ctx, link, max)
		}}
	}
	return nil
}

func (a *Adapter) download(ctx context.Context, link string, max int64) ([]byte, error) {
	u, err := url.Parse(link)
	if err != nil || !a.fileHostAllowed(u) {
		return nil, fmt.Errorf("teams file: download url on %q is not allowed", hostOf(u))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := fileClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("teams file: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("teams file: download answered %s", resp.Status)
	}
	if resp.ContentLength > max {
		return nil, fmt.Errorf("teams file: %d bytes: %w", resp.ContentLength, chat.ErrTooLarge)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("teams file: %w", err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("teams file: %w", chat.ErrTooLarge)
	}
	return b, nil
}

func hostOf(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Host
}

func (a *Adapter) fileHostAllowed(u *url.URL) bool {
	host := strings.ToLower(u.Hostname())
	if u.Scheme == "https" {
		for _, s := range fileHostSuffixes {
			if strings.HasSuffix(host, s) {
				return true
			}
		}
	}
	if a.cfg.LocalMode && (u.Scheme == "http" || u.Scheme == "https") {
		ip := net.ParseIP(host)
		return host == "localhost" || (ip != nil && ip.IsLoopback())
	}
	return false
}
