package intake

// The intake API's own sentences (the problem+json detail), in one place
// for review. Refusals of the policy come from package policy and the
// router's sentences from bot.Say, as in chat.
const (
	textUnauthorized      = "The call is not authenticated: send an Entra access token for this API (Authorization: Bearer …) or a valid X-Signature."
	textForbiddenApp      = "This application is not allowed to request passes: it needs the %s app role and must be on tapbot's list of allowed applications."
	textKeysUnavailable   = "tapbot could not fetch the tenant's signing keys to check the token; try again in a minute."
	textContentType       = "Send the body as JSON with Content-Type: application/json."
	textTooLarge          = "The body is larger than %d bytes."
	textBadJSON           = "The body is not valid JSON for this API: %s."
	textNeedKey           = "Send an Idempotency-Key header (1–255 visible ASCII characters) so a retry cannot create a second request."
	textKeyReused         = "This Idempotency-Key was already used with a different body. Use a new key for a new request."
	textKeyInFlight       = "A call with this Idempotency-Key is still being processed; retry in a few seconds."
	textNeedTarget        = "Give target: the new hire's user principal name or Entra object id."
	textNeedRequester     = "Give requester: the hiring manager's user principal name or Entra object id, or \"manager\" for the new hire's manager in Entra."
	textNeedStart         = "Give start (a date and time with an offset, like 2026-12-07T07:00:00-08:00) or hire_date (like 2026-12-07)."
	textBothStarts        = "Give start or hire_date, not both."
	textBadStart          = "start %q is not a date and time with an offset, like 2026-12-07T07:00:00-08:00."
	textBadHireDate       = "hire_date %q is not a date like 2026-12-07."
	textBadZone           = "time_zone %q is not an IANA time zone like America/Los_Angeles."
	textBadLifetime       = "lifetime_minutes must be between 10 and 43200 (30 days)."
	textBadReason         = "reason %q is not one of: %s."
	textTooLong           = "%s is longer than %d characters."
	textNoManager         = "%s has no manager in Entra, so requester \"manager\" cannot be used; name the hiring manager instead."
	textManagerUnreadable = "tapbot could not read %s's manager in Entra; try again in a minute."
	textNeedExternalRef   = "Give the external_ref query parameter."
	textNotFound          = "There is no request with that id made by this application."
	textNoNotifyPlatform  = "tapbot has no chat platform to tell the hiring manager on; IT must set api.notify_platform."
)
