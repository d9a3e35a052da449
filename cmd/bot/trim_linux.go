//go:build linux

package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// trimStartupPages drops the executable's read-only pages (code and
// tables touched once by package initialisation) from this process's
// resident set after start-up. They stay in the page cache; whatever the
// running bot needs faults back in cheaply. Only read-only, file-backed
// mappings of the binary itself are touched, never data.
func trimStartupPages() (dropped int64) {
	exe, err := os.Executable()
	if err != nil {
		return 0
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != exe {
			continue
		}
		if perm := fields[1]; perm != "r-xp" && perm != "r--p" {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		if err := madviseRange(uintptr(start), uintptr(end-start)); err == nil {
			dropped += int64(end - start)
		}
	}
	return dropped
}

func madviseRange(addr, length uintptr) error {
	_, _, errno := unix.Syscall(unix.SYS_MADVISE, addr, length, unix.MADV_DONTNEED)
	if errno != 0 {
		return errno
	}
	return nil
}
