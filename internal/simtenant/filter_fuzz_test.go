package simtenant

import "testing"

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"mail eq 'a@b.c' or userPrincipalName eq 'a@b.c'",
		"principalId in ('x','y') and roleDefinitionId eq 'z'",
		"startswith(displayName,'Sa')",
		"(mail eq 'o''brien@x') or (id eq '1')",
		"mail eq", "'", "((", "a in (", "x eq 'y' and",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := parseFilter(s)
		if err != nil {
			return
		}
		flt.match(func(field string) (string, bool) { return field, true })
	})
}

func TestParseFilter(t *testing.T) {
	get := func(m map[string]string) func(string) (string, bool) {
		return func(f string) (string, bool) { v, ok := m[f]; return v, ok }
	}
	u := get(map[string]string{"mail": "O'Brien@Contoso.com", "userPrincipalName": "ob@contoso.com", "displayName": "Sam O'Brien"})
	for _, tc := range []struct {
		filter string
		want   bool
		bad    bool
	}{
		{"mail eq 'o''brien@contoso.com'", true, false},
		{"mail eq 'x' or userPrincipalName eq 'OB@contoso.com'", true, false},
		{"mail eq 'x' and userPrincipalName eq 'ob@contoso.com'", false, false},
		{"mail eq 'x' or (userPrincipalName eq 'ob@contoso.com' and startswith(displayName,'sam'))", true, false},
		{"userPrincipalName in ('a','ob@contoso.com')", true, false},
		{"department eq 'Sales'", false, false},
		{"mail ne 'x'", false, true},
		{"mail eq 'x", false, true},
		{"mail eq 'x' extra", false, true},
	} {
		f, err := parseFilter(tc.filter)
		if (err != nil) != tc.bad {
			t.Errorf("%q: err %v, bad %v", tc.filter, err, tc.bad)
			continue
		}
		if err == nil && f.match(u) != tc.want {
			t.Errorf("%q: match %v, want %v", tc.filter, !tc.want, tc.want)
		}
	}
}
