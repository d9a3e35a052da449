package simtenant

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
)

// routeGroup serves GET /groups/{id} and GET /groups/{id}/members
// ($top honoured, members are users or nested groups).
func (t *Tenant) routeGroup(w http.ResponseWriter, r *http.Request, id string, rest []string) {
	if !allow(w, r, r.Method, http.MethodGet) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	g, ok := t.groups[id]
	if !ok {
		writeError(w, r, http.StatusNotFound, "Request_ResourceNotFound",
			fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id))
		return
	}
	switch {
	case len(rest) == 0:
		writeJSON(w, http.StatusOK, map[string]any{
			"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groups/$entity",
			"id":             g.ID, "displayName": g.DisplayName, "isAssignableToRole": g.RoleAssignable,
		})
	case len(rest) == 1 && rest[0] == "members":
		ids := make([]string, 0, len(t.members[id]))
		for m := range t.members[id] {
			ids = append(ids, m)
		}
		sort.Strings(ids)
		if n, err := strconv.Atoi(r.URL.Query().Get("$top")); err == nil && n >= 0 && n < len(ids) {
			ids = ids[:n]
		}
		value := []any{}
		for _, m := range ids {
			kind := "#microsoft.graph.user"
			if _, isGroup := t.groups[m]; isGroup {
				kind = "#microsoft.graph.group"
			}
			value = append(value, map[string]any{"@odata.type": kind, "id": m})
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects",
			"value":          value,
		})
	default:
		segmentNotFound(w, r, rest[len(rest)-1])
	}
}

// AppToken returns an access token shaped like the one Entra issues to an
// app for Graph (header.claims.signature) carrying roles, for local mode
// and tests: `tapbot check` reads the granted permissions from its roles
// claim. It is not signed; the simulated tenant compares it as a string.
func AppToken(appID, tenantID string, roles ...string) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	if roles == nil {
		roles = []string{}
	}
	return enc(map[string]string{"typ": "JWT", "alg": "none"}) + "." +
		enc(map[string]any{"aud": "https://graph.microsoft.com", "appid": appID, "tid": tenantID, "roles": roles}) +
		"." + base64.RawURLEncoding.EncodeToString([]byte("simulated"))
}
