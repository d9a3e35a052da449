// Package policy is the organisation's Temporary Access Pass policy: a
// YAML-loaded Config (approver groups, two-approver rule, who may
// request, per-reason lifetimes, quotas) and a Checker that enforces it
// live against Entra at submit time and again at every approval click.
//
// Checker implements approvals.Checker. Every refusal is a *tap.Refusal
// with a plain sentence from internal/text; any other error means the check
// could not run and must be treated as "no".
package policy
