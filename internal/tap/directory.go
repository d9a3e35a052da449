package tap

import "time"

// User is an Entra user as the directory shows it.
type User struct {
	ID          UserID    `json:"id"`
	UPN         string    `json:"upn"`
	DisplayName string    `json:"display_name,omitempty"`
	Mail        string    `json:"mail,omitempty"`
	Department  string    `json:"department,omitempty"`
	HireDate    time.Time `json:"hire_date,omitempty"`
	// Created is when the account was created (createdDateTime; zero when
	// Graph does not say, as for some accounts created before 2018).
	Created time.Time `json:"created,omitempty"`
	Enabled bool      `json:"enabled"`
	// UserType is "Member" or "Guest".
	UserType string `json:"user_type,omitempty"`
	// External is true for an external guest (B2B invitee, #EXT# UPN or
	// externalUserState set), who cannot hold a TAP.
	External bool `json:"external,omitempty"`
}

// Pass is a Temporary Access Pass method as Graph describes it. Value is
// set only on the create response.
type Pass struct {
	MethodID        string        `json:"method_id"`
	Value           Secret        `json:"-"`
	Created         time.Time     `json:"created"`
	Start           time.Time     `json:"start"`
	Lifetime        time.Duration `json:"lifetime"`
	OneTime         bool          `json:"one_time"`
	Usable          bool          `json:"usable"`
	UsabilityReason string        `json:"usability_reason,omitempty"` // EnabledByPolicy, Expired, NotYetValid, OneTimeUsed, DisabledByPolicy
}

// Expires is when the pass stops working.
func (p Pass) Expires() time.Time { return p.Start.Add(p.Lifetime) }

// PassSpec is what to create.
type PassSpec struct {
	Start    time.Time     // zero: usable at once
	Lifetime time.Duration // whole minutes
	OneTime  bool
}

// TenantPolicy is the tenant's TAP authentication-method policy.
type TenantPolicy struct {
	Enabled         bool
	MinLifetime     time.Duration
	MaxLifetime     time.Duration
	DefaultLifetime time.Duration
	DefaultLength   int
	OneTimeDefault  bool
	// IncludeAll is true when includeTargets contains "all_users".
	IncludeAll    bool
	IncludeGroups []string
	ExcludeGroups []string
}

// MethodKind classifies a registered authentication method.
type MethodKind string

// Method kinds, mapped from Graph's @odata.type.
const (
	MethodPassword      MethodKind = "password"
	MethodTAP           MethodKind = "temporary_access_pass"
	MethodWindowsHello  MethodKind = "windows_hello"
	MethodAuthenticator MethodKind = "authenticator"
	MethodFIDO2         MethodKind = "fido2"
	MethodPhone         MethodKind = "phone"
	MethodEmail         MethodKind = "email"
	MethodSoftwareOATH  MethodKind = "software_oath"
	MethodPlatformCred  MethodKind = "platform_credential"
	MethodOther         MethodKind = "other"
)

// Method is one registered authentication method.
type Method struct {
	ID          string     `json:"id"`
	Kind        MethodKind `json:"kind"`
	ODataType   string     `json:"odata_type"`
	DisplayName string     `json:"display_name,omitempty"`
	Created     time.Time  `json:"created,omitempty"`
}

// RoleAssignment is a directory role the user holds (active or eligible).
type RoleAssignment struct {
	RoleID   string `json:"role_id"`
	RoleName string `json:"role_name,omitempty"`
	Eligible bool   `json:"eligible,omitempty"` // PIM-eligible rather than active
}
