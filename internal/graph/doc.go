// Package graph is tapbot's Microsoft Graph client. It implements the
// approvals.Directory and approvals.PassIssuer ports on msgraph-sdk-go
// (only the users, policies and roleManagement builders) with azidentity
// credentials: client secret, certificate, managed identity, workload
// identity, or a caller-supplied credential (tests and local mode).
//
// The HTTP pipeline is a fixed middleware list without the SDK's
// CompressionHandler: the default list is built from a map, so its order
// is random, and a POST retried outside the compressor is sent as raw JSON
// labelled gzip (kiota-http-go#183).
//
// Errors are classified in one place (classify) into tap sentinels and
// *tap.Refusal sentences; the SDK's ODataError.Error() is never called,
// since it panics on bodies without a message. A pass create is retried
// only on 429 (not processed); any other failure after the request may
// have been sent returns tap.ErrUncertain so the caller reconciles with
// ListPasses instead of creating a second pass.
package graph
