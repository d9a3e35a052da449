//go:build !unix

package botauth_test

// cpuTime is unavailable here; the cpu-ns/op metric reads 0.
func cpuTime() int64 { return 0 }
