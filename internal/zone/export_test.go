package zone

// Test-only views of the package's internals.

// TableSize is the number of Windows zones in the CLDR table.
func TableSize() int { return len(windowsZones) }

// EachWindows calls f for every Windows zone name and its IANA zone.
func EachWindows(f func(windows, iana string)) {
	for w, i := range windowsZones {
		f(w, i)
	}
}

// Len is the number of people cached.
func (r *Resolver) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.cache)
}
