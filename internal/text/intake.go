package text

// The intake API's own sentences (the problem+json detail). Refusals of
// the policy and the router's sentences reach the API through bot.Say, as
// in chat.
const (
	APIUnauthorized      = "The call is not authenticated: send an Entra access token for this API (Authorization: Bearer …) or a valid X-Signature."
	APIForbiddenApp      = "This application is not allowed to request passes: it needs the %s app role and must be on tapbot's list of allowed applications."
	APIKeysUnavailable   = "tapbot could not fetch the tenant's signing keys to check the token; try again in a minute."
	APIContentType       = "Send the body as JSON with Content-Type: application/json."
	APITooLarge          = "The body is larger than %d bytes."
	APIBadJSON           = "The body is not valid JSON for this API: %s."
	APINeedKey           = "Send an Idempotency-Key header (1–255 visible ASCII characters) so a retry cannot create a second request."
	APIKeyReused         = "This Idempotency-Key was already used with a different body. Use a new key for a new request."
	APIKeyInFlight       = "A call with this Idempotency-Key is still being processed; retry in a few seconds."
	APINeedTarget        = "Give target: the new hire's user principal name or Entra object id."
	APINeedRequester     = "Give requester: the hiring manager's user principal name or Entra object id, or \"manager\" for the new hire's manager in Entra."
	APINeedStart         = "Give start (a date and time with an offset, like 2026-12-07T07:00:00-08:00) or hire_date (like 2026-12-07)."
	APIBothStarts        = "Give start or hire_date, not both."
	APIBadStart          = "start %q is not a date and time with an offset, like 2026-12-07T07:00:00-08:00."
	APIBadHireDate       = "hire_date %q is not a date like 2026-12-07."
	APIBadZone           = "time_zone %q is not an IANA time zone like America/Los_Angeles."
	APIBadLifetime       = "lifetime_minutes must be between 10 and 43200 (30 days)."
	APIBadReason         = "reason %q is not one of: %s."
	APITooLong           = "%s is longer than %d characters."
	APINoManager         = "%s has no manager in Entra, so requester \"manager\" cannot be used; name the hiring manager instead."
	APIManagerUnreadable = "tapbot could not read %s's manager in Entra; try again in a minute."
	APINeedExternalRef   = "Give the external_ref query parameter."
	APINotFound          = "There is no request with that id made by this application."
	APINoNotifyPlatform  = "tapbot has no chat platform to tell the hiring manager on; IT must set api.notify_platform."
	// APINotTheManager: api.requesters is manager and the named person is
	// not the new hire's manager in Entra (the new hire, then the named).
	APINotTheManager = "Only %s's manager in Entra can be named as the hiring manager here, and %s is not; use requester \"manager\" or ask IT to correct the manager in Entra."
)
