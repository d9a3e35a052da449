// Package approvals is the request lifecycle: submit, decide, issue,
// reveal, confirm, revoke, expire and reconcile. It declares what it needs
// from the outside (Directory, PassIssuer, Checker, Auditor) and persists
// every transition with a compare-and-swap through tap.Store.
package approvals
