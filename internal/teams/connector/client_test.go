package connector_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams/connector"
	"github.com/tapbot/tapbot/internal/teams/connector/connectortest"
)

const token = "outbound-token-123"

// fakeCred is an azcore.TokenCredential that counts calls.
type fakeCred struct {
	calls  atomic.Int64
	scopes atomic.Value
	err    error
}

func (f *fakeCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	f.calls.Add(1)
	f.scopes.Store(strings.Join(o.Scopes, " "))
	if f.err != nil {
		return azcore.AccessToken{}, f.err
	}
	return azcore.AccessToken{Token: token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func newClient(t *testing.T, mod func(*connector.Config)) (*connector.Client, *fakeCred) {
	t.Helper()
	cred := &fakeCred{}
	cfg := connector.Config{Credential: cred, AllowedServiceURLHosts: []string{"127.0.0.1"}}
	if mod != nil {
		mod(&cfg)
	}
	c, err := connector.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, cred
}

func card(text string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"type": "AdaptiveCard", "version": "1.5",
		"body": []any{map[string]any{"type": "TextBlock", "text": text, "wrap": true}},
	})
	return b
}

func msg(text string) *connector.Activity {
	return &connector.Activity{Attachments: []connector.Attachment{connector.AdaptiveCard(card(text))}}
}

func TestMinimalActivityHasNoEmptyMembers(t *testing.T) {
	cases := map[string]any{
		"text":     &connector.Activity{Type: "message", Text: "hi"},
		"card":     &connector.Activity{Type: "message", Attachments: []connector.Attachment{connector.AdaptiveCard(card("x"))}},
		"zero":     &connector.Activity{},
		"1:1":      connector.ConversationParameters{Members: []connector.ChannelAccount{{ID: "29:u"}}, TenantID: "t"},
		"channel":  connector.ConversationParameters{ChannelData: &connector.ChannelData{Channel: &connector.IDRef{ID: "19:c"}}, Activity: msg("x")},
		"zero cd":  &connector.Activity{ChannelData: &connector.ChannelData{Tenant: &connector.IDRef{ID: "t"}}},
		"mentions": &connector.Activity{Text: "x", Entities: []json.RawMessage{json.RawMessage(`{"type":"mention"}`)}},
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if p := connectortest.EmptyMembers(b); len(p) > 0 {
				t.Fatalf("%s has empty members %v", b, p)
			}
		})
	}
	b, _ := json.Marshal(&connector.Activity{Type: "message", Text: "hi"})
	if string(b) != `{"type":"message","text":"hi"}` {
		t.Fatalf("minimal activity = %s", b)
	}
	b, _ = json.Marshal(connector.AdaptiveCard(json.RawMessage(`{"type":"AdaptiveCard"}`)))
	if string(b) != `{"contentType":"application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard"}}` {
		t.Fatalf("attachment = %s", b)
	}
}

func TestSendReplyUpdateDelete(t *testing.T) {
	fake := connectortest.Start(t)
	fake.RequireToken(token)
	c, cred := newClient(t, nil)
	ctx := context.Background()
	conv := "19:abc@thread.tacv2;messageid=1700"

	id, err := c.Send(ctx, fake.URL, conv, msg("Request #1: pending"))
	if err != nil || id == "" {
		t.Fatalf("send: id %q err %v", id, err)
	}
	rid, err := c.Reply(ctx, fake.URL, conv, id, &connector.Activity{Text: "a reply"})
	if err != nil || rid == "" || rid == id {
		t.Fatalf("reply: id %q err %v", rid, err)
	}
	if err := c.Update(ctx, fake.URL, conv, id, msg("Request #1: approved")); err != nil {
		t.Fatalf("update: %v", err)
	}
	shown := fake.Shown(conv)
	if len(shown) != 2 {
		t.Fatalf("shown = %d activities", len(shown))
	}
	if got := string(shown[0].Activity.Attachments[0].Content); !strings.Contains(got, "approved") || shown[0].Updates != 1 {
		t.Errorf("card after update = %s (updates %d)", got, shown[0].Updates)
	}
	if shown[1].ReplyToID != id || shown[1].Activity.ReplyToID != id || shown[1].Activity.Type != "message" {
		t.Errorf("reply = %+v", shown[1])
	}
	if err := c.Delete(ctx, fake.URL, conv, rid); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if n := len(fake.Shown(conv)); n != 1 {
		t.Fatalf("shown after delete = %d", n)
	}
	for _, call := range fake.Calls() {
		if call.ConversationID != conv {
			t.Errorf("fake saw conversation %q; want %q (path escaping)", call.ConversationID, conv)
		}
	}
	if s, _ := cred.scopes.Load().(string); s != connector.DefaultScope {
		t.Errorf("token scope = %q", s)
	}
	err = c.Update(ctx, fake.URL, conv, "no-such-activity", msg("x"))
	if !errors.Is(err, tap.ErrNotFound) {
		t.Errorf("update of unknown activity: %v; want ErrNotFound", err)
	}
}

func TestCreateConversation(t *testing.T) {
	fake := connectortest.Start(t)
	c, _ := newClient(t, nil)
	ctx := context.Background()
	p := connector.ConversationParameters{Members: []connector.ChannelAccount{{ID: "29:new-hire"}}, TenantID: "tenant-1"}
	id, err := c.CreateConversation(ctx, fake.URL, p)
	if err != nil || id == "" {
		t.Fatalf("create 1:1: %q %v", id, err)
	}
	again, err := c.CreateConversation(ctx, fake.URL, p)
	if err != nil || again != id {
		t.Fatalf("second create = %q, %v; want the same conversation %q", again, err, id)
	}
	if _, err := c.Send(ctx, fake.URL, id, &connector.Activity{Text: "Your pass is ready"}); err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	_ = json.Unmarshal(fake.Calls()[0].Body, &body)
	if body["isGroup"] != false || body["tenantId"] != "tenant-1" {
		t.Errorf("create body = %s", fake.Calls()[0].Body)
	}

	thread, err := c.StartConversation(ctx, fake.URL, connector.ConversationParameters{
		IsGroup:     true,
		TenantID:    "tenant-1",
		ChannelData: &connector.ChannelData{Channel: &connector.IDRef{ID: "19:approvers@thread.tacv2"}},
		Activity:    msg("Approve request #7?"),
	})
	if err != nil || thread.ID == "" || thread.ActivityID == "" {
		t.Fatalf("create thread: %+v %v", thread, err)
	}
	if err := c.Update(ctx, fake.URL, thread.ID, thread.ActivityID, msg("Approved by Ann")); err != nil {
		t.Fatalf("update thread root: %v", err)
	}
	shown := fake.Shown(thread.ID)
	if len(shown) != 1 || !strings.Contains(string(shown[0].Raw), "Approved by Ann") {
		t.Fatalf("thread shows %+v", shown)
	}
	if _, err := c.CreateConversation(ctx, fake.URL, connector.ConversationParameters{TenantID: "t"}); err == nil {
		t.Fatal("create without member or channel succeeded")
	}
}

func TestUnreachableClassified(t *testing.T) {
	fake := connectortest.Start(t)
	c, _ := newClient(t, nil)
	ctx := context.Background()
	for _, code := range []string{"ConversationBlockedByUser", "BotNotInConversationRoster", "MessageWritesBlocked"} {
		fake.Block("a:blocked", code)
		_, err := c.Send(ctx, fake.URL, "a:blocked", &connector.Activity{Text: "x"})
		if !errors.Is(err, connector.ErrUnreachable) || !errors.Is(err, chat.ErrUnreachable) {
			t.Errorf("%s: %v; want ErrUnreachable", code, err)
		}
		var ae *connector.APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusForbidden || ae.Code != code {
			t.Errorf("%s: api error %+v", code, ae)
		}
	}
	fake.SetStrict(true)
	_, err := c.Send(ctx, fake.URL, "a:gone", &connector.Activity{Text: "x"})
	if !errors.Is(err, chat.ErrUnreachable) {
		t.Errorf("unknown conversation: %v; want ErrUnreachable", err)
	}
	if len(fake.Calls()) != 4 {
		t.Errorf("unreachable errors were retried: %d calls", len(fake.Calls()))
	}
}

func TestFakeRejectsEmptyMembers(t *testing.T) {
	fake := connectortest.Start(t)
	for _, body := range []string{
		`{"type":"message","text":"x","suggestedActions":{}}`,
		`{"type":"message","text":"x","attachments":[]}`,
		`{"type":"message","text":"x","from":null}`,
		`{"type":"message","text":"x","channelData":{"tenant":{"id":""}}}`,
		`{"type":"message"}`,
	} {
		req, _ := http.NewRequest(http.MethodPost, fake.URL+"v3/conversations/c/activities", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer x")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d; want 400", body, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, fake.URL+"v3/conversations/c/activities", strings.NewReader(`{"type":"message","text":"x"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no Authorization: status %d; want 401", resp.StatusCode)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	cases := map[string]connector.Config{
		"nothing":          {},
		"secret no tenant": {AppID: "a", ClientSecret: "s"},
		"secret no app":    {TenantID: "t", ClientSecret: "s"},
		"two kinds":        {AppID: "a", TenantID: "t", ClientSecret: "s", ManagedIdentity: true},
		"missing cert":     {AppID: "a", TenantID: "t", CertificatePath: "/nonexistent/cert.pem"},
		"bad window":       {Credential: &fakeCred{}, Limits: []connector.Window{{N: 0, Per: time.Second}}},
	}
	for name, cfg := range cases {
		if _, err := connector.New(cfg, nil); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
	for name, cfg := range map[string]connector.Config{
		"secret":           {AppID: "a", TenantID: "t", ClientSecret: "s"},
		"managed identity": {ManagedIdentity: true, ManagedIdentityClientID: "00000000-0000-0000-0000-000000000001"},
	} {
		if _, err := connector.New(cfg, nil); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestNewWithCertificate(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tapbot"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	var pemData []byte
	pemData = append(pemData, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	pemData = append(pemData, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})...)
	path := filepath.Join(t.TempDir(), "bot.pem")
	if err := os.WriteFile(path, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := connector.New(connector.Config{AppID: "a", TenantID: "t", CertificatePath: path}, nil); err != nil {
		t.Fatalf("certificate credential: %v", err)
	}
	if err := os.WriteFile(path, []byte("not a pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := connector.New(connector.Config{AppID: "a", TenantID: "t", CertificatePath: path}, nil); err == nil {
		t.Fatal("garbage certificate accepted")
	}
}

func TestStaticCredentialAndCheckServiceURL(t *testing.T) {
	fake := connectortest.Start(t)
	fake.RequireToken("local")
	c, err := connector.New(connector.Config{Credential: connector.StaticCredential("local"),
		AllowedServiceURLHosts: []string{"127.0.0.1", "localhost"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(context.Background(), fake.URL, "c", &connector.Activity{Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := c.CheckServiceURL("http://localhost:56150/_connector"); err != nil {
		t.Errorf("local playground url refused: %v", err)
	}
	if err := c.CheckServiceURL("https://smba.trafficmanager.net/amer/"); !errors.Is(err, connector.ErrServiceURL) {
		t.Errorf("unlisted host accepted: %v", err)
	}
}
