package simtenant

import (
	"net/http"
	"sort"
	"strings"

	"github.com/tapbot/tapbot/internal/tap"
)

func (t *Tenant) sortedUsersLocked() []*User {
	out := make([]*User, 0, len(t.users))
	for _, u := range t.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (t *Tenant) sortedGroupsLocked() []*Group {
	out := make([]*Group, 0, len(t.groups))
	for _, g := range t.groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// listRoles serves roleAssignments (active) or roleEligibilitySchedules
// (PIM-eligible), with $filter on principalId / roleDefinitionId and
// $expand=roleDefinition. Like Graph's v1.0 API it lists only the
// assignments of the principal named, not those inherited through groups.
func (t *Tenant) listRoles(w http.ResponseWriter, r *http.Request, eligible bool) {
	var f filter
	if s := r.URL.Query().Get("$filter"); s != "" {
		var err error
		if f, err = parseFilter(s); err != nil {
			writeError(w, r, http.StatusBadRequest, "Request_UnsupportedQuery", "Invalid filter clause: "+err.Error())
			return
		}
	}
	expand := strings.Contains(r.URL.Query().Get("$expand"), "roleDefinition")
	t.mu.Lock()
	defer t.mu.Unlock()
	value := []any{}
	for _, ra := range t.roles {
		if ra.eligible != eligible {
			continue
		}
		get := func(field string) (string, bool) {
			switch strings.ToLower(field) {
			case "principalid":
				return ra.principal, true
			case "roledefinitionid":
				return ra.roleID, true
			case "directoryscopeid":
				return "/", true
			}
			return "", false
		}
		if f != nil && !f.match(get) {
			continue
		}
		m := map[string]any{
			"id":               ra.id,
			"principalId":      ra.principal,
			"roleDefinitionId": ra.roleID,
			"directoryScopeId": "/",
		}
		if eligible {
			m["@odata.type"] = "#microsoft.graph.unifiedRoleEligibilitySchedule"
			m["memberType"] = "Direct"
			m["status"] = "Provisioned"
			m["scheduleInfo"] = map[string]any{"startDateTime": graphTime(t.now().AddDate(0, -1, 0)),
				"expiration": map[string]any{"type": "noExpiration"}}
		} else {
			m["@odata.type"] = "#microsoft.graph.unifiedRoleAssignment"
		}
		if expand {
			m["roleDefinition"] = map[string]any{
				"@odata.type": "#microsoft.graph.unifiedRoleDefinition",
				"id":          ra.roleID, "templateId": ra.roleID,
				"displayName": t.roleNames[ra.roleID], "isBuiltIn": isBuiltin(ra.roleID), "isEnabled": true,
			}
		}
		value = append(value, m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": value})
}

func isBuiltin(id string) bool {
	for _, b := range builtinRoles {
		if b == id {
			return true
		}
	}
	return false
}

func (t *Tenant) getPolicy(w http.ResponseWriter, r *http.Request) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.policy
	state := "disabled"
	if p.Enabled {
		state = "enabled"
	}
	include := []any{}
	for _, id := range p.Include {
		include = append(include, map[string]any{"targetType": t.targetTypeLocked(id), "id": id, "isRegistrationRequired": false})
	}
	exclude := []any{}
	for _, id := range p.Exclude {
		exclude = append(exclude, map[string]any{"targetType": t.targetTypeLocked(id), "id": id})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context":           "https://graph.microsoft.com/v1.0/$metadata#authenticationMethodConfigurations/$entity",
		"@odata.type":              "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
		"id":                       "TemporaryAccessPass",
		"state":                    state,
		"defaultLifetimeInMinutes": p.DefaultLifetimeMinutes,
		"defaultLength":            p.DefaultLength,
		"minimumLifetimeInMinutes": p.MinLifetimeMinutes,
		"maximumLifetimeInMinutes": p.MaxLifetimeMinutes,
		"isUsableOnce":             p.IsUsableOnce,
		"includeTargets":           include,
		"excludeTargets":           exclude,
	})
}

func (t *Tenant) targetTypeLocked(id string) string {
	if _, ok := t.users[id]; ok {
		return "user"
	}
	return "group"
}

// methodODataTypes maps kinds to Graph's @odata.type (facts §3.5).
var methodODataTypes = map[tap.MethodKind]string{
	tap.MethodPassword:      "#microsoft.graph.passwordAuthenticationMethod",
	tap.MethodTAP:           "#microsoft.graph.temporaryAccessPassAuthenticationMethod",
	tap.MethodWindowsHello:  "#microsoft.graph.windowsHelloForBusinessAuthenticationMethod",
	tap.MethodAuthenticator: "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
	tap.MethodFIDO2:         "#microsoft.graph.fido2AuthenticationMethod",
	tap.MethodPhone:         "#microsoft.graph.phoneAuthenticationMethod",
	tap.MethodEmail:         "#microsoft.graph.emailAuthenticationMethod",
	tap.MethodSoftwareOATH:  "#microsoft.graph.softwareOathAuthenticationMethod",
	tap.MethodPlatformCred:  "#microsoft.graph.platformCredentialAuthenticationMethod",
	tap.MethodOther:         "#microsoft.graph.externalAuthenticationMethod",
}

func methodJSON(m method) map[string]any {
	typ, ok := methodODataTypes[m.kind]
	if !ok {
		typ = methodODataTypes[tap.MethodOther]
	}
	out := map[string]any{"@odata.type": typ, "id": m.id, "createdDateTime": graphTime(m.created)}
	switch m.kind {
	case tap.MethodWindowsHello:
		out["displayName"] = "CONTOSO-LAPTOP-01"
		out["keyStrength"] = "normal"
	case tap.MethodAuthenticator:
		out["displayName"] = "iPhone 15"
		out["deviceTag"] = "SoftwareTokenActivated"
		out["phoneAppVersion"] = "6.8.14"
	case tap.MethodFIDO2:
		out["displayName"] = "YubiKey 5 NFC"
		out["aaGuid"] = "cb69481e-8ff7-4039-93ec-0a2729a154a8"
		out["model"] = "YubiKey 5 Series"
		out["attestationLevel"] = "attested"
	case tap.MethodPhone:
		out["phoneNumber"] = "+1 5555550100"
		out["phoneType"] = "mobile"
		out["smsSignInState"] = "notSupported"
	case tap.MethodEmail:
		out["emailAddress"] = "recovery@example.com"
	case tap.MethodSoftwareOATH:
		out["secretKey"] = nil
	case tap.MethodPlatformCred:
		out["displayName"] = "Contoso MacBook"
		out["keyStrength"] = "normal"
		out["platform"] = "macOS"
	case tap.MethodOther:
		out["displayName"] = "External MFA"
	}
	return out
}

func (t *Tenant) listMethods(w http.ResponseWriter, r *http.Request, key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	uid, ok := t.lookupLocked(key)
	if !ok {
		notFound(w, r, key)
		return
	}
	value := []any{map[string]any{
		"@odata.type": methodODataTypes[tap.MethodPassword], "id": PasswordMethodID,
		"password": nil, "createdDateTime": nil,
	}}
	for _, m := range t.methods[uid] {
		value = append(value, methodJSON(m))
	}
	if p := t.passes[uid]; p != nil {
		value = append(value, t.passJSON(uid, p, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('" + uid + "')/authentication/methods",
		"value":          value,
	})
}
