package text

// BotName is how the guide names the bot to the new hire.
const BotName = "tapbot"

// DefaultGuide is the onboarding guide given with every pass, a
// text/template (bot.NewGuide fills it): what to do, in order; what the
// pass looks like; the five reasons a pass does not work at the sign-in
// screen and what to do about each; whom to ask. The operator's own
// template (guide.template) replaces it.
const DefaultGuide = `Your first sign-in at {{.Org}}
Account: {{.UPN}}
The pass works from {{.Activates}} until {{.Expires}} ({{.Lifetime}}, {{.Use}}).

1. On your new computer, sign in to Windows as {{.UPN}}. When asked, enter the Temporary Access Pass instead of a password. Type it exactly: it is case-sensitive and includes symbols.
2. When Windows offers Windows Hello for Business, set up a PIN and, if your device has one, your face or fingerprint. This is how you sign in from now on.
3. On your phone, install Microsoft Authenticator and add your work account, or add a passkey, at https://aka.ms/mysecurityinfo.
4. When that is done, send {{.Bot}} the word "done". IT then removes the pass.

If the pass is refused ("incorrect username or password"):
• Too early: it works only from {{.Activates}}.
• Too late: it stops working at {{.Expires}}.
• Typed differently: capitals, small letters and every symbol count; no space before or after.
{{- if .OneTime}}
• Already used: this pass works for one sign-in only.{{end}}
• Account blocked or disabled: only IT can fix that.
Send {{.Bot}} the word "help" and it checks your pass in Entra and tells you which one it is.

The pass is not a password: it stops working after its window{{if .OneTime}} or after one use{{end}}. Never share it.
Questions or problems: {{.Contact}}`
