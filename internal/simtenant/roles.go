package simtenant

import "strings"

// builtinRoles maps built-in Entra role names to their template ids
// (which Graph also uses as unifiedRoleDefinition ids).
var builtinRoles = map[string]string{
	"Global Administrator":                    "62e90394-69f5-4237-9190-012177145e10",
	"Privileged Role Administrator":           "e8611ab8-c189-46e8-94e1-60213ab1f814",
	"Privileged Authentication Administrator": "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
	"Authentication Administrator":            "c4e39bd9-1100-46d3-8c65-fb160da0071f",
	"Authentication Policy Administrator":     "0526716b-113d-4c15-b2c8-68e3c22b9f80",
	"User Administrator":                      "fe930be7-5e62-47db-91af-98c3a49a38b1",
	"Helpdesk Administrator":                  "729827e3-9c14-49f7-bb1b-9608f156bbb8",
	"Security Administrator":                  "194ae4cb-b126-40b2-bd5b-6091b380977d",
	"Groups Administrator":                    "fdd7a751-b60b-444a-984c-02652fe8fa1c",
	"Global Reader":                           "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
	"Exchange Administrator":                  "29232cdf-9323-42fd-ade2-1d097af3e4de",
	"SharePoint Administrator":                "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
	"Application Administrator":               "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
	"Cloud Application Administrator":         "158c047a-c907-4556-b7ef-446551a6b5f7",
	"Intune Administrator":                    "3a2c62db-5318-420d-8d74-23affee5d9d5",
	"Conditional Access Administrator":        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
	"Directory Readers":                       "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
}

// RoleID returns the role definition id for a role name: the built-in
// template id, or a stable made-up id for custom roles.
func RoleID(name string) string { return roleDefinitionID(name) }

func roleDefinitionID(name string) string {
	for n, id := range builtinRoles {
		if strings.EqualFold(n, name) {
			return id
		}
	}
	return StableID("role:" + name)
}
