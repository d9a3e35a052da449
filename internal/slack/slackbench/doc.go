// Package slackbench measures the Slack adapter's inbound path end to end
// over loopback HTTP: a signed block_actions request verified, de-duplicated
// through a real store and acknowledged. It holds only benchmarks; it is a
// separate package so the adapter's own tests do not depend on a store
// backend.
package slackbench
