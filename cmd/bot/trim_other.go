//go:build !linux

package main

func trimStartupPages() int64 { return 0 }
