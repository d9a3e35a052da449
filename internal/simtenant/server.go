package simtenant

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// maxRecorded bounds the request log; the oldest half is dropped when full.
const maxRecorded = 10000

// Handler returns the tenant's HTTP handler. It serves paths under /v1.0.
func (t *Tenant) Handler() http.Handler { return http.HandlerFunc(t.serve) }

func (t *Tenant) serve(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "Unable to read the request body.")
		return
	}
	t.mu.Lock()
	if len(t.requests) >= maxRecorded { // bound memory in long-running local mode
		t.requests = append(t.requests[:0], t.requests[len(t.requests)-maxRecorded/2:]...)
	}
	t.requests = append(t.requests, Recorded{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: raw, At: t.now()})
	want := t.token
	t.mu.Unlock()

	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		writeError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
		return
	}
	if want != "" && tok != want {
		writeError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
		return
	}

	if !t.admitWrite(w, r) {
		return
	}
	body := raw
	switch enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err == nil {
			body, err = io.ReadAll(zr)
		}
		if err != nil {
			writeError(w, r, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
			return
		}
	default:
		writeError(w, r, http.StatusUnsupportedMediaType, "BadRequest", fmt.Sprintf("Content-Encoding %q is not supported.", enc))
		return
	}

	rel, ok := strings.CutPrefix(r.URL.Path, "/v1.0")
	if r.URL.Path == "/beta/auditLogs/signIns" { // the one beta resource tapbot reads
		rel, ok = "/auditLogs/signIns", true
	}
	if !ok {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "Invalid version.")
		return
	}
	f, faulted := t.takeFault(r.Method, rel)
	if faulted && f.Delay > 0 {
		tm := time.NewTimer(f.Delay)
		select {
		case <-tm.C:
		case <-r.Context().Done():
			tm.Stop()
		}
	}
	if faulted && f.Status != 0 {
		writeFault(w, r, f)
		return
	}
	if !faulted || !f.Drop {
		t.route(w, r, rel, body)
		return
	}
	rec := httptest.NewRecorder()
	t.route(rec, r, rel, body)
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// route dispatches a request for rel, the path below /v1.0.
func (t *Tenant) route(w http.ResponseWriter, r *http.Request, rel string, body []byte) {
	if r.Method != http.MethodGet {
		defer t.persist() // before the handler returns, so before the response is flushed
	}
	seg := strings.Split(strings.Trim(rel, "/"), "/")
	// users('upn') is an alternative spelling of users/upn.
	if k, ok := strings.CutPrefix(seg[0], "users("); ok {
		k = strings.TrimSuffix(strings.TrimSuffix(k, ")"), "'")
		k = strings.TrimPrefix(k, "'")
		seg = append([]string{"users", k}, seg[1:]...)
	}
	method := r.Method
	switch {
	case rel == "/auditLogs/signIns" && strings.HasPrefix(r.URL.Path, "/beta/"):
		if allow(w, r, method, http.MethodGet) {
			t.listSignIns(w, r)
		}
	case len(seg) == 1 && seg[0] == "users":
		if allow(w, r, method, http.MethodGet) {
			t.listUsers(w, r)
		}
	case len(seg) >= 2 && seg[0] == "users":
		t.routeUser(w, r, seg[1], seg[2:], body)
	case len(seg) >= 2 && seg[0] == "groups":
		t.routeGroup(w, r, seg[1], seg[2:])
	case len(seg) == 3 && seg[0] == "roleManagement" && seg[1] == "directory":
		switch seg[2] {
		case "roleAssignments":
			if allow(w, r, method, http.MethodGet) {
				t.listRoles(w, r, false)
			}
		case "roleEligibilitySchedules", "roleEligibilityScheduleInstances":
			if allow(w, r, method, http.MethodGet) {
				t.listRoles(w, r, true)
			}
		default:
			segmentNotFound(w, r, seg[2])
		}
	case rel == "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass":
		if allow(w, r, method, http.MethodGet) {
			t.getPolicy(w, r)
		}
	default:
		segmentNotFound(w, r, seg[len(seg)-1])
	}
}

func (t *Tenant) routeUser(w http.ResponseWriter, r *http.Request, key string, rest []string, body []byte) {
	method := r.Method
	switch {
	case len(rest) == 0:
		if allow(w, r, method, http.MethodGet) {
			t.getUser(w, r, key)
		}
	case len(rest) == 1 && rest[0] == "manager":
		if allow(w, r, method, http.MethodGet) {
			t.getManager(w, r, key)
		}
	case rest[0] == "mailboxSettings" && (len(rest) == 1 || len(rest) == 2 && rest[1] == "timeZone"):
		if allow(w, r, method, http.MethodGet) {
			t.getMailboxZone(w, r, key, len(rest) == 2)
		}
	case len(rest) == 1 && rest[0] == "checkMemberGroups":
		if allow(w, r, method, http.MethodPost) {
			t.checkMemberGroups(w, r, key, body)
		}
	case (rest[0] == "memberOf" || rest[0] == "transitiveMemberOf") &&
		(len(rest) == 1 || len(rest) == 2 && (rest[1] == "microsoft.graph.group" || rest[1] == "graph.group")):
		if allow(w, r, method, http.MethodGet) {
			t.memberOf(w, r, key, rest[0] == "transitiveMemberOf")
		}
	case len(rest) == 2 && rest[0] == "authentication" && rest[1] == "methods":
		if allow(w, r, method, http.MethodGet) {
			t.listMethods(w, r, key)
		}
	case len(rest) == 2 && rest[0] == "authentication" && rest[1] == "temporaryAccessPassMethods":
		switch method {
		case http.MethodGet:
			t.listPasses(w, r, key)
		case http.MethodPost:
			t.createPass(w, r, key, body)
		default:
			allow(w, r, method, http.MethodGet, http.MethodPost)
		}
	case len(rest) == 3 && rest[0] == "authentication" && rest[1] == "temporaryAccessPassMethods":
		if allow(w, r, method, http.MethodGet, http.MethodDelete) {
			t.passItem(w, r, key, rest[2])
		}
	default:
		segmentNotFound(w, r, rest[len(rest)-1])
	}
}

func allow(w http.ResponseWriter, r *http.Request, method string, allowed ...string) bool {
	for _, a := range allowed {
		if method == a {
			return true
		}
	}
	writeError(w, r, http.StatusMethodNotAllowed, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
	return false
}

func segmentNotFound(w http.ResponseWriter, r *http.Request, seg string) {
	writeError(w, r, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Resource not found for the segment '%s'.", seg))
}

// defaultUserFields is what Graph returns for a user without $select
// (notably without accountEnabled, userType and employeeHireDate).
var defaultUserFields = []string{"businessPhones", "displayName", "givenName", "jobTitle", "mail",
	"mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"}

func selectFields(r *http.Request) []string {
	s := r.URL.Query().Get("$select")
	if s == "" {
		return defaultUserFields
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func userJSON(u *User, fields []string) map[string]any {
	first, last, _ := strings.Cut(u.DisplayName, " ")
	all := map[string]any{
		"id":                u.ID,
		"displayName":       u.DisplayName,
		"userPrincipalName": u.UPN,
		"mail":              nullable(u.Mail),
		"department":        nullable(u.Department),
		"jobTitle":          nullable(u.JobTitle),
		"employeeHireDate":  nullableTime(u.HireDate),
		"createdDateTime":   nullableTime(u.Created),
		"accountEnabled":    !u.Disabled,
		"userType":          u.UserType,
		"externalUserState": nullable(u.ExternalUserState),
		"givenName":         nullable(first),
		"surname":           nullable(last),
		"businessPhones":    []string{},
		"mobilePhone":       nil,
		"officeLocation":    nil,
		"preferredLanguage": nil,
	}
	out := map[string]any{}
	for _, f := range fields {
		for k, v := range all {
			if strings.EqualFold(k, f) {
				out[k] = v
			}
		}
	}
	return out
}

func (t *Tenant) getUser(w http.ResponseWriter, r *http.Request, key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	uid, ok := t.lookupLocked(key)
	if !ok {
		notFound(w, r, key)
		return
	}
	m := userJSON(t.users[uid], selectFields(r))
	m["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#users/$entity"
	writeJSON(w, http.StatusOK, m)
}

func (t *Tenant) listUsers(w http.ResponseWriter, r *http.Request) {
	var f filter
	if s := r.URL.Query().Get("$filter"); s != "" {
		var err error
		if f, err = parseFilter(s); err != nil {
			writeError(w, r, http.StatusBadRequest, "Request_UnsupportedQuery", "Invalid filter clause: "+err.Error())
			return
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	value := []any{}
	for _, u := range t.sortedUsersLocked() {
		get := func(field string) (string, bool) {
			switch strings.ToLower(field) {
			case "id":
				return u.ID, true
			case "userprincipalname":
				return u.UPN, true
			case "mail":
				return u.Mail, u.Mail != ""
			case "displayname":
				return u.DisplayName, true
			case "department":
				return u.Department, u.Department != ""
			case "usertype":
				return u.UserType, true
			}
			return "", false
		}
		if f == nil || f.match(get) {
			value = append(value, userJSON(u, selectFields(r)))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
		"value":          value,
	})
}

func (t *Tenant) getManager(w http.ResponseWriter, r *http.Request, key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	uid, ok := t.lookupLocked(key)
	if !ok {
		notFound(w, r, key)
		return
	}
	mid, ok := t.managers[uid]
	if !ok || t.users[mid] == nil {
		notFound(w, r, "manager")
		return
	}
	m := userJSON(t.users[mid], selectFields(r))
	m["@odata.type"] = "#microsoft.graph.user"
	m["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#directoryObjects/$entity"
	writeJSON(w, http.StatusOK, m)
}

func (t *Tenant) checkMemberGroups(w http.ResponseWriter, r *http.Request, key string, body []byte) {
	var in struct {
		GroupIDs []string `json:"groupIds"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
		return
	}
	if len(in.GroupIDs) > 20 {
		writeError(w, r, http.StatusBadRequest, "Request_BadRequest", "The number of group ids exceeds the maximum of 20.")
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	uid, ok := t.lookupLocked(key)
	if !ok {
		notFound(w, r, key)
		return
	}
	groups := t.transitiveGroupsLocked(uid)
	value := []string{}
	for _, g := range in.GroupIDs {
		if groups[g] {
			value = append(value, g)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(Edm.String)",
		"value":          value,
	})
}

func (t *Tenant) memberOf(w http.ResponseWriter, r *http.Request, key string, transitive bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	uid, ok := t.lookupLocked(key)
	if !ok {
		notFound(w, r, key)
		return
	}
	in := map[string]bool{}
	if transitive {
		in = t.transitiveGroupsLocked(uid)
	} else {
		for gid, ms := range t.members {
			if ms[uid] {
				in[gid] = true
			}
		}
	}
	value := []any{}
	for _, g := range t.sortedGroupsLocked() {
		if in[g.ID] {
			value = append(value, map[string]any{
				"@odata.type": "#microsoft.graph.group", "id": g.ID, "displayName": g.DisplayName,
				"isAssignableToRole": g.RoleAssignable, "securityEnabled": true, "mailEnabled": false,
			})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects",
		"value":          value,
	})
}
