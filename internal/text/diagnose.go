package text

// The diagnosis (package diagnose): the new hire's "my pass doesn't
// work" answers, the requester's notice and the `why` checklist.

// The checks' names, as the Entra admin center groups them, and their details.
const (
	DiagCheckAccount      = "Account enabled"
	DiagCheckPolicy       = "Temporary Access Pass method enabled in the tenant"
	DiagCheckTargets      = "User in the Temporary Access Pass policy's targets"
	DiagCheckPass         = "Pass usable now"
	DiagCheckMethods      = "Methods registered"
	DiagDetailEnabled     = "the account can sign in"
	DiagDetailDisabled    = "the account is disabled: no pass can sign it in"
	DiagDetailPolicyOn    = "Authentication methods → Temporary Access Pass is on"
	DiagDetailPolicyOff   = "Authentication methods → Temporary Access Pass is off"
	DiagDetailNoPass      = "no Temporary Access Pass in Entra"
	DiagDetailUsable      = "usable until %s UTC"
	DiagDetailNotUsable   = "not usable: %s (start %s UTC, %s, %s)"
	DiagDetailExcluded    = "the user is in a group the policy excludes"
	DiagDetailNotIncluded = "the user is in none of the policy's target groups"
	DiagDetailIncluded    = "included, not excluded"
	DiagDetailNoMethods   = "no passwordless method yet (Windows Hello, Authenticator or a passkey is set up with the pass)"
)

// Answers to the new hire, one per cause; %[1]s is the requester's name.
const (
	DiagHireAccountDisabled = "Your account is disabled, so no pass can sign you in yet. %[1]s has been told; IT has to enable the account first."
	DiagHirePolicyOff       = "Temporary Access Passes are switched off in your organisation right now, so the pass cannot work. %[1]s has been told so IT can switch them back on."
	DiagHireNotInPolicy     = "Your account is not yet allowed to use a Temporary Access Pass (it is outside the group the pass policy covers). %[1]s has been told so IT can add you."
	DiagHireNoPass          = "You have no pass at the moment: it was removed or has not been created. %[1]s has been asked whether to issue a new one."
	DiagHireExpired         = "Your pass has expired. %[1]s has been asked whether to issue a new one."
	DiagHireOneTimeUsed     = "Your pass was for one use and it has been used. %[1]s has been asked whether to issue a new one."
	DiagHireDisabledPolicy  = "Your pass is blocked by your organisation's pass policy. %[1]s has been told so IT can check it."
)

// Notices to the requester, one per cause; %[1]s is the new hire's name.
const (
	DiagNoticeAccountDisabled = "%[1]s says the pass does not work: the account is disabled in Entra. Ask IT to enable it."
	DiagNoticePolicyOff       = "%[1]s says the pass does not work: the Temporary Access Pass method is switched off in the tenant. Ask IT to turn it on."
	DiagNoticeNotInPolicy     = "%[1]s says the pass does not work: the account is outside the Temporary Access Pass policy's target groups (or excluded). Ask IT to add it."
	DiagNoticeNoPass          = "%[1]s says the pass does not work: there is no pass in Entra any more. Ask for a new one if it is still needed."
	DiagNoticeExpired         = "%[1]s says the pass does not work: it has expired. Ask for a new one if it is still needed."
	DiagNoticeOneTimeUsed     = "%[1]s says the pass does not work: it was for one use and has been used. Ask for a new one if it is still needed."
	DiagNoticeDisabledPolicy  = "%[1]s says the pass does not work: Entra reports it disabled by policy. Ask IT to check the Temporary Access Pass policy."
)

// The answers' other parts.
const (
	DiagNotYetValid  = "Your pass starts working at %s your time (in %s). Until then Entra refuses it; try again after that."
	DiagUsable       = "Entra accepts your pass right now (it works until %s your time). Passes are case-sensitive and include the symbols: type it exactly, with no space before or after, at https://aka.ms/mysecurityinfo."
	DiagHasMethods   = " You have already set up %s, so you can sign in with that instead of the pass."
	DiagPassDoneWith = "Your pass no longer works, and you don't need it: you have already set up %s. Sign in with that."
	DiagDiagTitle    = "Why %s's pass does or does not work"
	DiagDiagCause    = "Cause: %s"
	DiagCauseNotYet  = "the pass starts at %s (in %s)."
	DiagCauseUsable  = "none in Entra: the pass is usable. If it is refused, it is mistyped (case-sensitive, symbols included)."
	DiagMultiUse     = "multi-use"
	DiagOneUse       = "one use"
	DiagUnderAMinute = "less than a minute"
	DiagOneDay       = "1 day"
	DiagDays         = "%d days"
	DiagHours        = "%d h"
	DiagMinutes      = "%d min"
)
