// Package simtenant is a stateful fake Microsoft Entra tenant that speaks
// the Microsoft Graph v1.0 JSON for exactly the calls tapbot makes: users,
// managers, checkMemberGroups, memberOf, directory role assignments and
// PIM-eligible schedules, the Temporary Access Pass policy, TAP create,
// list, get and delete, and a user's authentication methods.
//
// TAP semantics follow Graph: one pass per user (a create replaces the
// old one), lifetime validated against the policy range with Graph's error
// text, no start in the past, no external guests, the value returned only
// by the create (201) and null afterwards, and isUsable /
// methodUsabilityReason computed from a clock the test controls.
//
// Every request must carry "Authorization: Bearer <token>". Faults (429
// with Retry-After, 5xx, delays, "perform then drop the response") can be
// injected per method and path pattern. It is used by tests and by local
// mode, where Demo seeds the demo tenant.
//
// It depends only on the standard library, tapbot's domain package and
// gopkg.in/yaml.v3 (for LoadExtra).
package simtenant
