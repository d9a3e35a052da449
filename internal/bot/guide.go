package bot

import (
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// DefaultGuide is the onboarding guide given with every pass (in the
// catalogue, text.DefaultGuide). Operators replace it with guide.template
// in the config. Fields: .Name .UPN .Activates .Expires .Lifetime .Use
// .OneTime .Contact .Org .Bot.
const DefaultGuide = text.DefaultGuide

// Guide renders the onboarding guide for a request.
type Guide struct {
	tmpl    *template.Template
	contact string
	org     string
}

// NewGuide parses src (DefaultGuide when empty).
func NewGuide(src, contact, org string) (*Guide, error) {
	if strings.TrimSpace(src) == "" {
		src = DefaultGuide
	}
	t, err := template.New("guide").Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, fmt.Errorf("parse onboarding guide: %w", err)
	}
	if contact == "" {
		contact = text.DefaultContact
	}
	if org == "" {
		org = text.DefaultOrg
	}
	g := &Guide{tmpl: t, contact: contact, org: org}
	if _, err := g.Render(&tap.Request{Lifetime: time.Hour}); err != nil {
		return nil, err
	}
	return g, nil
}

// Render fills the guide for r (no pass value ever enters it), as plain
// text.
func (g *Guide) Render(r *tap.Request) (string, error) {
	return g.render(r, func(s string) string { return s })
}

// marked fills the guide for a chat message: the template is the
// operator's text (its links stay links), the values filled in are
// marked as user text (shown inert: a display name is not markup).
func (g *Guide) marked(r *tap.Request) (string, error) {
	return g.render(r, chat.Esc)
}

func (g *Guide) render(r *tap.Request, value func(string) string) (string, error) {
	start, end := r.Start, r.End()
	if !r.PassStart.IsZero() {
		start, end = r.PassStart, r.PassExpires
	}
	data := map[string]any{
		"Name": value(targetName(r.Target)), "UPN": value(r.Target.UPN),
		"Activates": value(When(start, r.HireZone)), "Expires": value(When(end, r.HireZone)),
		"Lifetime": value(Lifetime(r.Lifetime)), "Use": value(yesNo(r.OneTime)), "OneTime": r.OneTime,
		"Contact": value(g.contact), "Org": value(g.org), "Bot": text.BotName,
	}
	var b strings.Builder
	if err := g.tmpl.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render onboarding guide: %w", err)
	}
	return b.String(), nil
}

// message is the guide with a title; the names in it are user text.
func (g *Guide) message(r *tap.Request) (chat.Message, error) {
	body, err := g.marked(r)
	if err != nil {
		return chat.Message{}, err
	}
	return chat.Message{Title: fmt.Sprintf(text.GuideTitle, targetName(r.Target)), Text: body}, nil
}

// RevealMessage is the private view with the pass: shown once, to the
// requester only, through chat.Event.Reply. The pass's times are in
// reader, the requester's zone (with the new hire's beside them); the
// guide, written for the new hire, keeps the new hire's zone.
func (g *Guide) RevealMessage(r *tap.Request, p tap.Pass, reader string) (chat.Message, error) {
	body, err := g.marked(r)
	if err != nil {
		return chat.Message{}, err
	}
	return chat.Message{
		Title:     text.PassTitle(targetName(r.Target)),
		Secret:    p.Value,
		SecretCap: text.PassTitle(r.Target.UPN),
		Facts: []chat.Fact{
			{Label: text.FactAccount, Value: r.Target.UPN},
			{Label: text.FactWorksFrom, Value: viewOf(r, reader).at(p.Start)},
			{Label: text.FactUntil, Value: viewOf(r, reader).at(p.Expires())},
			{Label: text.FactUse, Value: yesNo(p.OneTime)},
		},
		Text: body,
		Note: text.RevealNote,
	}, nil
}

// ReloadGuide replaces the onboarding guide template after parsing it;
// on a problem the old guide stays and the error says why. "" means the
// default guide.
func (r *Router) ReloadGuide(template string) error {
	g, err := NewGuide(template, r.cfg.Contact, r.cfg.Org)
	if err != nil {
		return err
	}
	r.guide.Store(g)
	r.log.Info("onboarding guide reloaded")
	return nil
}
