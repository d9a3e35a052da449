// Package teamsbench holds the Teams inbound benchmarks: an authenticated
// activity over loopback HTTP through the real adapter, JWT validation and
// the SQLite de-duplication, acknowledged. Benchmarks only.
package teamsbench
