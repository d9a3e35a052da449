// Package intake is the HR intake API: an HR system (Workday,
// SuccessFactors, UKG …) opens a TAP request over HTTP, and the request
// then goes through the same policy, approval and private delivery as one
// made in chat (approvals.Service.Submit); the hiring manager is told in
// chat and reveals the pass there.
//
//	POST   /api/v1/requests                  open a request (Idempotency-Key required)
//	GET    /api/v1/requests/{id}             its state and timeline, never the pass
//	DELETE /api/v1/requests/{id}             withdraw it before it is issued
//	GET    /api/v1/requests?external_ref=…   the caller's requests for one HR reference
//
// Callers authenticate with Entra access tokens from the client-credentials
// flow (issuer = the tenant, v1 or v2; audience = the API's app id URI;
// an app role in roles; azp/appid in an allowlist; RS256 signed by a key
// of the tenant's OpenID metadata, fetched through botauth.Keys), or, for
// HR systems that can only sign, with an HMAC-SHA256 signature over the
// timestamp and body (5-minute window, each signature accepted once).
// Idempotency-Keys live in the store (tap.IntakeStore) with an expiry.
// Errors are RFC 9457 problem+json whose detail is the sentence the chat
// would give. The API is described in api/openapi.yaml.
package intake
