package slackfake

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// file is a file a user shared.
type file struct {
	id, name, mimetype, filetype, user string
	content                            []byte
	downloads                          int
}

// FileShare builds the Events API message.im body of user sharing a file
// (subtype file_share) in their DM with the bot, with text as the
// message, and stores the file so the bot can download it as Slack
// serves it: GET url_private_download with the bot token (a scope of
// files:read), never without. The message is added to the DM channel.
func (s *Server) FileShare(user, text, name, mimetype string, content []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := fmt.Sprintf("F%08d", s.next())
	ft := strings.TrimPrefix(strings.ToLower(name[strings.LastIndex(name, ".")+1:]), ".")
	if s.files == nil {
		s.files = map[string]*file{}
	}
	s.files[id] = &file{id: id, name: name, mimetype: mimetype, filetype: ft, user: user, content: append([]byte(nil), content...)}
	ch := s.dm(user)
	ts := s.ts()
	s.channels[ch].msgs = append(s.channels[ch].msgs, &Message{Channel: ch, TS: ts, User: user, Text: text})
	return s.eventBody(map[string]any{"type": "message", "subtype": "file_share", "channel": ch, "user": user, "text": text,
		"ts": ts, "event_ts": ts, "channel_type": "im", "upload": true, "display_as_bot": false,
		"files": []map[string]any{{
			"id": id, "created": 0, "name": name, "title": name, "mimetype": mimetype, "filetype": ft, "size": len(content),
			"user": user, "mode": "hosted", "is_external": false,
			"url_private":          s.srv.URL + "/files-pri/" + s.TeamID + "-" + id + "/" + name,
			"url_private_download": s.srv.URL + "/files-pri/" + s.TeamID + "-" + id + "/download/" + name,
		}}})
}

// Downloads is how many times the file named name was downloaded.
func (s *Server) Downloads(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.files {
		if f.name == name {
			n += f.downloads
		}
	}
	return n
}

// serveFile is GET /files-pri/<team>-<id>/[download/]<name>. Without a
// bot token, or without files:read, Slack answers with its sign-in page
// (HTML, 200) rather than the file; so does the fake, which is what a
// client that forgets the token would have to notice.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/files-pri/"), "/")
	s.mu.Lock()
	s.calls = append(s.calls, Call{Method: "files-pri", Args: map[string]string{"path": r.URL.Path}})
	var f *file
	if len(parts) >= 2 {
		_, id, _ := strings.Cut(parts[0], "-")
		f = s.files[id]
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	authed := strings.HasPrefix(token, "xoxb-") && slices.Contains(s.Scopes, "files:read")
	if f != nil && authed {
		f.downloads++
	}
	s.mu.Unlock()
	switch {
	case r.Method != http.MethodGet:
		w.WriteHeader(http.StatusMethodNotAllowed)
	case !authed:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!DOCTYPE html><html><body>Sign in to Slack</body></html>"))
	case f == nil:
		w.WriteHeader(http.StatusNotFound)
	default:
		w.Header().Set("Content-Type", f.mimetype)
		w.Header().Set("Content-Length", strconv.Itoa(len(f.content)))
		_, _ = w.Write(f.content)
	}
}
