// Package zone knows which time zone a person is in: the zone their chat
// platform reports (Slack users.info tz, Teams localTimezone), else their
// Exchange mailbox's zone (Graph mailboxSettings, a Windows or IANA name),
// else the configured default. Answers are cached per person, bounded and
// with a time to live, so a message does not cost a Graph call.
package zone

//go:generate go run gen_windows.go windowsZones.xml

import (
	"strings"
	"time"
)

// Normalize returns the IANA name for name when this host can load it:
// an IANA name as given, a Windows zone name ("Pacific Standard Time")
// through CLDR's windowsZones table. It returns "" for anything else.
func Normalize(name string) string {
	name = strings.TrimSpace(name)
	if name == "" || name == "Local" || len(name) > 64 {
		return ""
	}
	if _, err := time.LoadLocation(name); err == nil {
		return name
	}
	if iana, ok := windowsZones[name]; ok {
		name = iana
	} else {
		for w, iana := range windowsZones {
			if strings.EqualFold(w, name) {
				name = iana
				break
			}
		}
	}
	if _, err := time.LoadLocation(name); err != nil {
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
