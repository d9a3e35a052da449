package teams

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/tapbot/tapbot/internal/chat"
)

// TestSharedFile: a file sent in the 1:1 chat is offered to the core
// unread; opening it downloads the pre-authorised downloadUrl with no
// credential, capped; only SharePoint over https is fetched (and loopback
// in local mode); other attachments are no file.
func TestSharedFile(t *testing.T) {
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = append(auth, r.Header.Get("Authorization"))
		_, _ = w.Write([]byte("upn\nsarah@contoso.com\n"))
	}))
	defer srv.Close()
	act := func(link string) *activity {
		a := &activity{}
		a.Attachments = []schema.Attachment{
			{ContentType: "text/html", Content: "<p>hires</p>"},
			{ContentType: contentFileDownload, Name: "hires.csv",
				Content: map[string]any{"downloadUrl": link, "uniqueId": "1", "fileType": "csv"}},
		}
		return a
	}
	local := &Adapter{cfg: Config{LocalMode: true}}
	f := local.sharedFile(act(srv.URL + "/hires.csv"))
	if f == nil || f.Name != "hires.csv" || f.Type != "text/csv" {
		t.Fatalf("file: %+v", f)
	}
	if len(auth) != 0 {
		t.Fatal("the file was fetched before the core asked")
	}
	b, err := f.Open(context.Background(), 1024)
	if err != nil || !strings.HasPrefix(string(b), "upn\n") || auth[0] != "" {
		t.Fatalf("open: %q %v (authorization %q)", b, err, auth)
	}
	if _, err := f.Open(context.Background(), 5); !errors.Is(err, chat.ErrTooLarge) {
		t.Fatalf("over the cap: %v", err)
	}
	hosted := &Adapter{cfg: Config{}}
	if _, err := hosted.sharedFile(act(srv.URL+"/hires.csv")).Open(context.Background(), 1024); err == nil {
		t.Fatal("outside local mode a loopback url was fetched")
	}
	for raw, want := range map[string]bool{
		"https://contoso-my.sharepoint.com/personal/x/_layouts/download.aspx": true,
		"http://contoso-my.sharepoint.com/x":                                  false,
		"https://sharepoint.com.attacker.example/x":                           false,
		"https://169.254.169.254/latest/meta-data":                            false,
	} {
		u, _ := url.Parse(raw)
		if got := hosted.fileHostAllowed(u); got != want {
			t.Errorf("%s allowed = %v, want %v", raw, got, want)
		}
	}
	if (&Adapter{}).sharedFile(&activity{}) != nil {
		t.Error("a message without a file has one")
	}
}
