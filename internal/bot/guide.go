package bot

import (
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
)

// DefaultGuide is the onboarding guide given with every pass. Operators
// replace it with guide.template in the config. Fields: .Name .UPN
// .Activates .Expires .Lifetime .Use .Contact .Org.
const DefaultGuide = `Your first sign-in at {{.Org}}
Account: {{.UPN}}
The pass works from {{.Activates}} until {{.Expires}} ({{.Lifetime}}, {{.Use}}).

1. On your new computer, sign in to Windows as {{.UPN}}. When asked, enter the Temporary Access Pass instead of a password.
2. When Windows offers Windows Hello for Business, set up a PIN and, if your device has one, your face or fingerprint. This is how you sign in from now on.
3. On your phone, install Microsoft Authenticator and add your work account, or add a passkey, at https://aka.ms/mysecurityinfo.
4. When that is done, send this bot the word "done". IT then removes the pass.

The pass is not a password: it stops working after its window{{if .OneTime}} or after one use{{end}}. Never share it.
Questions or problems: {{.Contact}}`

// Guide renders the onboarding guide for a request.
type Guide struct {
	tmpl    *template.Template
	contact string
	org     string
}

// NewGuide parses text (DefaultGuide when empty).
func NewGuide(text, contact, org string) (*Guide, error) {
	if strings.TrimSpace(text) == "" {
		text = DefaultGuide
	}
	t, err := template.New("guide").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("parse onboarding guide: %w", err)
	}
	if contact == "" {
		contact = "your IT helpdesk"
	}
	if org == "" {
		org = "your organisation"
	}
	g := &Guide{tmpl: t, contact: contact, org: org}
	if _, err := g.Render(&tap.Request{Lifetime: time.Hour}); err != nil {
		return nil, err
	}
	return g, nil
}

// Render fills the guide for r (no pass value ever enters it).
func (g *Guide) Render(r *tap.Request) (string, error) {
	start, end := r.Start, r.End()
	if !r.PassStart.IsZero() {
		start, end = r.PassStart, r.PassExpires
	}
	data := map[string]any{
		"Name": targetName(r.Target), "UPN": r.Target.UPN,
		"Activates": When(start, r.HireZone), "Expires": When(end, r.HireZone),
		"Lifetime": Lifetime(r.Lifetime), "Use": yesNo(r.OneTime), "OneTime": r.OneTime,
		"Contact": g.contact, "Org": g.org,
	}
	var b strings.Builder
	if err := g.tmpl.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render onboarding guide: %w", err)
	}
	return b.String(), nil
}

// message wraps the guide as literal text (it contains user-controlled
// names) with a title.
func (g *Guide) message(r *tap.Request) (chat.Message, error) {
	text, err := g.Render(r)
	if err != nil {
		return chat.Message{}, err
	}
	return chat.Message{Title: fmt.Sprintf(textGuideTitle, targetName(r.Target)), Text: chat.Esc(text)}, nil
}

// RevealMessage is the private view with the pass: shown once, to the
// requester only, through chat.Event.Reply.
func (g *Guide) RevealMessage(r *tap.Request, p tap.Pass) (chat.Message, error) {
	text, err := g.Render(r)
	if err != nil {
		return chat.Message{}, err
	}
	return chat.Message{
		Title:     "Temporary Access Pass for " + targetName(r.Target),
		Secret:    p.Value,
		SecretCap: "Temporary Access Pass for " + r.Target.UPN,
		Facts: []chat.Fact{
			{Label: "Account", Value: r.Target.UPN},
			{Label: "Works from", Value: When(p.Start, r.HireZone)},
			{Label: "Until", Value: When(p.Expires(), r.HireZone)},
			{Label: "Use", Value: yesNo(p.OneTime)},
		},
		Text: chat.Esc(text),
		Note: textRevealNote,
	}, nil
}
