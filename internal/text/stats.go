package text

import "fmt"

// The onboarding numbers (package stats, the *stats* card).
const (
	StatsPeriodLabel   = "Period"
	StatsRequests      = "Requests"
	StatsRequestsValue = "%d made, %d approved, %d denied, %d cancelled"
	StatsCreatedVsUsed = "Passes created vs used"
	StatsCreatedValue  = "%d created, %d used for setup (%s)"
	StatsNoneCreated   = "0 created"
	StatsRevealed      = "Revealed"
	StatsSignedIn      = "Signed in with"
	StatsSignedInValue = "%d (the first sign-in with the pass, from the sign-in logs)"
	StatsExpired       = "Expired"
	StatsExpiredValue  = "%d unused after issue, %d waiting for approval"
	StatsRevokedFailed = "Revoked / failed"
	StatsStillOpen     = "Still open"
	StatsToApprove     = "Median time to approve"
	StatsToReveal      = "Median time to reveal"
	StatsToUse         = "Median time to first sign-in"
	StatsToConfirm     = "Median time to set up"
	StatsAdoption      = "Passwordless adoption"
	StatsAdoptionValue = "%s (%d of %d revealed passes led to a strong method)"
	StatsNoneRevealed  = "no passes revealed"
	StatsNoData        = "no data"
	StatsMedian        = "%s (over %d)"
	StatsAllTime       = "all time"
)

// StatsSince is a period with no end; from is formatted.
func StatsSince(from string) string { return "since " + from }

// StatsUntil is a period with no start.
func StatsUntil(to string) string { return "until " + to }

// StatsFromTo is a period of days, both ends included.
func StatsFromTo(from, to string) string { return from + " to " + to }

// StatsAdoptionOfUsed follows the adoption over revealed passes with the
// ratio over the passes signed in with (pct formatted).
func StatsAdoptionOfUsed(pct string, used int) string {
	return fmt.Sprintf("; %s of the %d signed in with", pct, used)
}
