package dialog

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // zones must not depend on the host's tzdata

	"github.com/tapbot/tapbot/internal/tap"
)

// zoneMine stands for "the requester's own zone" until it is known.
const zoneMine = "mine"

// zoneWords maps the words people use for a zone to an IANA name.
var zoneWords = map[string]string{
	"pacific": "America/Los_Angeles", "pt": "America/Los_Angeles", "pst": "America/Los_Angeles",
	"pdt": "America/Los_Angeles", "us pacific": "America/Los_Angeles", "west coast": "America/Los_Angeles",
	"los angeles": "America/Los_Angeles", "la": "America/Los_Angeles", "san francisco": "America/Los_Angeles",
	"sf": "America/Los_Angeles", "seattle": "America/Los_Angeles", "vancouver": "America/Vancouver",
	"eastern": "America/New_York", "et": "America/New_York", "est": "America/New_York",
	"edt": "America/New_York", "us eastern": "America/New_York", "east coast": "America/New_York",
	"new york": "America/New_York", "ny": "America/New_York", "nyc": "America/New_York",
	"boston": "America/New_York", "toronto": "America/Toronto",
	"central": "America/Chicago", "ct": "America/Chicago", "cdt": "America/Chicago",
	"us central": "America/Chicago", "chicago": "America/Chicago", "dallas": "America/Chicago",
	"mountain": "America/Denver", "mt": "America/Denver", "mst": "America/Denver", "mdt": "America/Denver",
	"denver": "America/Denver", "arizona": "America/Phoenix", "phoenix": "America/Phoenix",
	"alaska": "America/Anchorage", "hawaii": "Pacific/Honolulu",
	"uk": "Europe/London", "british": "Europe/London", "london": "Europe/London", "britain": "Europe/London",
	"england": "Europe/London", "gmt": "UTC", "utc": "UTC", "zulu": "UTC",
	"cet": "Europe/Berlin", "cest": "Europe/Berlin", "central european": "Europe/Berlin",
	"berlin": "Europe/Berlin", "germany": "Europe/Berlin", "paris": "Europe/Paris", "france": "Europe/Paris",
	"amsterdam": "Europe/Amsterdam", "madrid": "Europe/Madrid", "stockholm": "Europe/Stockholm",
	"zurich": "Europe/Zurich", "warsaw": "Europe/Warsaw", "dublin": "Europe/Dublin",
	"ireland": "Europe/Dublin", "irish": "Europe/Dublin",
	"india": "Asia/Kolkata", "indian": "Asia/Kolkata", "mumbai": "Asia/Kolkata", "bangalore": "Asia/Kolkata",
	"bengaluru": "Asia/Kolkata", "delhi": "Asia/Kolkata", "kolkata": "Asia/Kolkata",
	"japan": "Asia/Tokyo", "jst": "Asia/Tokyo", "tokyo": "Asia/Tokyo", "singapore": "Asia/Singapore",
	"sgt": "Asia/Singapore", "hong kong": "Asia/Hong_Kong", "hkt": "Asia/Hong_Kong",
	"shanghai": "Asia/Shanghai", "beijing": "Asia/Shanghai", "china": "Asia/Shanghai",
	"dubai": "Asia/Dubai", "sydney": "Australia/Sydney", "aest": "Australia/Sydney",
	"melbourne": "Australia/Melbourne", "sao paulo": "America/Sao_Paulo", "brazil": "America/Sao_Paulo",
	"mexico city": "America/Mexico_City",
	"my time":     zoneMine, "my zone": zoneMine, "local": zoneMine, "local time": zoneMine,
	"eastern standard time": "America/New_York", "eastern daylight time": "America/New_York",
	"central standard time": "America/Chicago", "central daylight time": "America/Chicago",
	"mountain standard time": "America/Denver", "mountain daylight time": "America/Denver",
	"pacific standard time": "America/Los_Angeles", "pacific daylight time": "America/Los_Angeles",
	"greenwich mean time": "UTC", "british summer time": "Europe/London",
	"central european time": "Europe/Berlin", "central european summer time": "Europe/Berlin",
	"my timezone": zoneMine, "my time zone": zoneMine, "same as me": zoneMine, "same as mine": zoneMine,
	"same zone as me": zoneMine, "same time zone as me": zoneMine, "same timezone as me": zoneMine,
	"same as my zone": zoneMine, "my own zone": zoneMine, "my own time": zoneMine,
}

// ambiguousZones are abbreviations that name several zones: the dialog
// asks which one instead of guessing.
var ambiguousZones = map[string][]string{
	"cst": {"America/Chicago", "Asia/Shanghai", "America/Havana"},
	"ist": {"Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"},
	"bst": {"Europe/London", "Asia/Dhaka"},
	"ast": {"America/Halifax", "Asia/Riyadh"},
}

// fuzzyZoneWords may carry one typo ("pacfic").
var fuzzyZoneWords = []string{"pacific", "eastern", "central", "mountain", "british"}

// zoneCache holds loaded zones: time.LoadLocation parses tzdata on every
// call. Zones never change while the process runs.
var zoneCache sync.Map // name → *time.Location

// loadLocation is time.LoadLocation with a cache of successes.
func loadLocation(name string) (*time.Location, error) {
	if loc, ok := zoneCache.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zoneCache.Store(name, loc)
	return loc, nil
}

// reOffsetZone is a whole-hour offset like "UTC+1" or "GMT-5".
var reOffsetZone = regexp.MustCompile(`^(utc|gmt)([+-])(\d{1,2})(?::?(\d{2}))?$`)

var reIANA = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+-]{0,30}(/[A-Za-z0-9_+-]{1,30}){1,2}$`)

// loadIANA loads an IANA zone name typed in any case ("america/los_angeles").
func loadIANA(name string) (string, bool) {
	if strings.Contains(name, "..") || !reIANA.MatchString(name) {
		return "", false
	}
	if _, err := loadLocation(name); err == nil {
		return name, true
	}
	parts := strings.Split(strings.ToLower(name), "/")
	for i, p := range parts {
		b := []byte(p)
		up := true
		for k, c := range b {
			if up && c >= 'a' && c <= 'z' {
				b[k] = c - 'a' + 'A'
			}
			up = c == '_' || c == '-'
		}
		parts[i] = string(b)
	}
	canon := strings.Join(parts, "/")
	if _, err := loadLocation(canon); err == nil {
		return canon, true
	}
	return "", false
}

// zoneAt recognises a zone at toks[i]: an IANA name, a common word or
// city ("Pacific", "UK", "New York time") or an ambiguous abbreviation,
// which comes back as ambiguous (the abbreviation) with no zone.
func zoneAt(toks []token, i int) (zone, ambiguous string, n int) {
	if i >= len(toks) {
		return "", "", 0
	}
	if z, ok := loadIANA(toks[i].raw); ok && strings.Contains(toks[i].raw, "/") {
		return z, "", 1 + trailingTime(toks, i+1)
	}
	for k := 5; k >= 1; k-- {
		if i+k > len(toks) {
			continue
		}
		phrase := words(toks[i : i+k])
		if z, ok := zoneWords[phrase]; ok {
			return z, "", k + trailingTime(toks, i+k)
		}
	}
	if z, k := cityAt(toks, i); k > 0 {
		return z, "", k + trailingTime(toks, i+k)
	}
	w := toks[i].w
	if m := reOffsetZone.FindStringSubmatch(w); m != nil {
		// Etc/GMT names invert the sign: UTC+1 is Etc/GMT-1.
		h, _ := strconv.Atoi(m[3])
		if (m[4] == "" || m[4] == "00") && h <= 14 {
			if h == 0 {
				return "UTC", "", 1
			}
			sign := "-"
			if m[2] == "-" {
				sign = "+"
			}
			return "Etc/GMT" + sign + strconv.Itoa(h), "", 1
		}
	}
	if _, ok := ambiguousZones[w]; ok {
		return "", w, 1 + trailingTime(toks, i+1)
	}
	if w == "utc" || w == "gmt" {
		return "UTC", "", 1
	}
	for _, f := range fuzzyZoneWords {
		if len(w) >= 6 && editDistance(w, f, 1) <= 1 {
			return zoneWords[f], "", 1 + trailingTime(toks, i+1)
		}
	}
	return "", "", 0
}

// trailingTime counts a "time" following a zone ("Pacific time").
func trailingTime(toks []token, i int) int {
	if i < len(toks) && (toks[i].w == "time" || toks[i].w == "timezone") {
		return 1
	}
	return 0
}

// ParseZone reads the new hire's time zone: an IANA name
// ("America/Los_Angeles"), a common word ("Pacific", "Eastern", "UK") or
// "my time" for mine (the requester's zone). An ambiguous abbreviation
// ("CST", "IST") is refused with a question naming the choices. Errors are
// *tap.Refusal wrapping tap.ErrInvalidInput.
func ParseZone(s, mine string) (string, error) {
	toks := tokenize(s)
	zone := ""
	for i := 0; i < len(toks); {
		if zone == "" {
			z, amb, n := zoneAt(toks, i)
			if amb != "" {
				return "", tap.Refuse(tap.ErrInvalidInput, fmtZoneAmbiguous(amb, ambiguousZones[amb]))
			}
			if n > 0 {
				zone = z
				i += n
				continue
			}
		}
		if !fillers[toks[i].w] && toks[i].w != "zone" {
			return "", tap.Refuse(tap.ErrInvalidInput, fmtZoneUnknown(s))
		}
		i++
	}
	if zone == "" {
		return "", tap.Refuse(tap.ErrInvalidInput, fmtZoneUnknown(s))
	}
	if zone == zoneMine {
		return zoneOrUTC(mine), nil
	}
	return zone, nil
}

// zoneOrUTC returns name if it loads, else "UTC".
func zoneOrUTC(name string) string {
	if name == "" || name == "Local" {
		return "UTC"
	}
	if _, err := loadLocation(name); err != nil {
		return "UTC"
	}
	return name
}

// location loads a zone name that zoneOrUTC has vetted.
func location(name string) *time.Location {
	loc, err := loadLocation(zoneOrUTC(name))
	if err != nil {
		return time.UTC
	}
	return loc
}
