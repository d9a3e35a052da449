package dialog

import (
	"strings"
	"sync"
)

// cityStoplist are IANA city names that are also common first names or
// words ("Casey starts Monday", "after Easter"): they never name a zone.
var cityStoplist = map[string]bool{
	"adelaide": true, "casey": true, "center": true, "christmas": true, "davis": true, "dawson": true,
	"easter": true, "knox": true, "macquarie": true, "marengo": true, "mawson": true, "midway": true,
	"norfolk": true, "palmer": true, "regina": true, "samara": true, "stanley": true, "troll": true,
	"vostok": true, "wake": true, "beulah": true, "monticello": true, "winamac": true, "vevay": true,
	"noronha": true, "chita": true, "hovd": true, "eucla": true, "la rioja": true, "salta": true,
	"sofia": true, "santiago": true, "chatham": true, "oral": true, "resolute": true,
}

// cityIndex maps a lower-case city or region name ("buenos aires",
// "lisbon") to its canonical IANA zone; built once from ianaZones.
var cityIndex = sync.OnceValue(func() map[string]string {
	idx := map[string]string{}
	for _, z := range ianaZones {
		if strings.HasPrefix(z, "Antarctica/") || strings.HasPrefix(z, "Etc/") {
			continue
		}
		if _, err := loadLocation(z); err != nil {
			continue
		}
		parts := strings.Split(z, "/")
		city := strings.ToLower(strings.ReplaceAll(parts[len(parts)-1], "_", " "))
		if cityStoplist[city] {
			continue
		}
		if _, dup := idx[city]; dup {
			idx[city] = "" // two zones share the name: never guess
			continue
		}
		idx[city] = z
	}
	return idx
})

// cityAt recognises an IANA city or region name of one to three words at
// toks[i] ("Lisbon", "Buenos Aires", "Ho Chi Minh").
func cityAt(toks []token, i int) (string, int) {
	idx := cityIndex()
	for k := 3; k >= 1; k-- {
		if i+k > len(toks) {
			continue
		}
		if z := idx[words(toks[i:i+k])]; z != "" {
			return z, k
		}
	}
	return "", 0
}

// usZones are the IANA zones of the United States: a requester there
// reads 12/7 as December 7.
var usZones = map[string]bool{
	"America/New_York": true, "America/Detroit": true, "America/Kentucky/Louisville": true,
	"America/Kentucky/Monticello": true, "America/Indiana/Indianapolis": true, "America/Indiana/Vincennes": true,
	"America/Indiana/Winamac": true, "America/Indiana/Marengo": true, "America/Indiana/Petersburg": true,
	"America/Indiana/Vevay": true, "America/Chicago": true, "America/Indiana/Tell_City": true,
	"America/Indiana/Knox": true, "America/Menominee": true, "America/North_Dakota/Center": true,
	"America/North_Dakota/New_Salem": true, "America/North_Dakota/Beulah": true, "America/Denver": true,
	"America/Boise": true, "America/Phoenix": true, "America/Los_Angeles": true, "America/Anchorage": true,
	"America/Juneau": true, "America/Sitka": true, "America/Metlakatla": true, "America/Yakutat": true,
	"America/Nome": true, "America/Adak": true, "Pacific/Honolulu": true, "US/Eastern": true,
	"US/Central": true, "US/Mountain": true, "US/Pacific": true, "US/Alaska": true, "US/Hawaii": true,
	"America/Puerto_Rico": true, "Pacific/Guam": true,
}
