package simtenant

import (
	"net/http"
)

// DenyMailbox makes mailboxSettings answer 403 ErrorAccessDenied, as
// Graph does when the app lacks MailboxSettings.Read (deny false lifts it).
func (t *Tenant) DenyMailbox(deny bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.mailboxDenied = deny
}

// SetMailboxZone sets a user's mailboxSettings.timeZone (Windows or IANA
// name; "" for none).
func (t *Tenant) SetMailboxZone(key, zone string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	id, ok := t.lookupLocked(key)
	if ok {
		t.users[id].MailboxZone = zone
	}
	return ok
}

// getMailboxZone answers GET /users/{key}/mailboxSettings (only the
// timeZone property is kept) or /users/{key}/mailboxSettings/timeZone.
func (t *Tenant) getMailboxZone(w http.ResponseWriter, r *http.Request, key string, prop bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mailboxDenied {
		writeError(w, r, http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
		return
	}
	id, ok := t.lookupLocked(key)
	if !ok {
		notFound(w, r, key)
		return
	}
	u := t.users[id]
	if u.NoMailbox || u.External() {
		writeError(w, r, http.StatusNotFound, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
		return
	}
	var zone any
	if u.MailboxZone != "" {
		zone = u.MailboxZone
	}
	if prop {
		writeJSON(w, http.StatusOK, map[string]any{
			"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('" + id + "')/mailboxSettings/timeZone",
			"value":          zone,
		})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('" + id + "')/mailboxSettings",
		"timeZone":       zone,
	})
}
