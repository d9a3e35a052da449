// Package zone knows which time zone a person is in: the zone their chat
// platform reports (Slack users.info tz, Teams localTimezone), else their
// Exchange mailbox's zone (Graph mailboxSettings, a Windows or IANA name),
// else the configured default. Answers are cached per person, bounded and
// with a time to live, so a message does not cost a Graph call.
package zone

//go:generate go run gen_windows.go windowsZones.xml

import (
	"strings"
	"sync"
	"time"
)

// loadable remembers the zone names time.LoadLocation accepted (it reads
// the zone database on every call). Only real zone names are kept, so it
// stays as small as the database.
var loadable sync.Map

func canLoad(name string) bool {
	if _, ok := loadable.Load(name); ok {
		return true
	}
	if _, err := time.LoadLocation(name); err != nil {
		return false
	}
	loadable.Store(name, true)
	return true
}

// Normalize returns the IANA name for name when this host can load it:
// an IANA name as given, a Windows zone name ("Pacific Standard Time")
// through CLDR's windowsZones table. It returns "" for anything else.
func Normalize(name string) string {
	name = strings.TrimSpace(name)
	if name == "" || name == "Local" || len(name) > 64 {
		return ""
	}
	// A Windows name first (no zone database read); "UTC" is both a
	// Windows and an IANA name and stays as it is.
	if iana, ok := windowsZones[name]; ok && name != "UTC" {
		name = iana
	} else if canLoad(name) {
		return name
	} else {
		for w, iana := range windowsZones {
			if strings.EqualFold(w, name) {
				name = iana
				break
			}
		}
	}
	if !canLoad(name) {
		return ""
	}
	return name
}

// FromWindows returns the IANA zone CLDR names as the default for a
// Windows zone name, and whether the name is one.
func FromWindows(name string) (string, bool) {
	iana, ok := windowsZones[name]
	return iana, ok
}
