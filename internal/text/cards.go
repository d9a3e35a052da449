package text

// Card titles, fact labels and notes the router (and the dialog's
// summary) put on cards.
const (
	// TheNewHire stands for the new hire when no name is known.
	TheNewHire        = "the new hire"
	FactNewHire       = "New hire"
	FactDepartment    = "Department"
	FactHireDate      = "Hire date"
	FactRequestedBy   = "Requested by"
	FactStarts        = "Starts"
	FactLifetime      = "Lifetime"
	FactUse           = "Use"
	FactReason        = "Reason"
	FactJustification = "Justification"
	FactAskedBy       = "Asked by"
	FactHRReference   = "HR reference"
	FactHRNotes       = "HR notes"
	FactWarning       = "Warning"
	FactAccount       = "Account"
	FactWorksFrom     = "Works from"
	FactUntil         = "Until"
)

// RequestNote is the small print naming a request on its card.
func RequestNote(id string) string { return "Request " + id }

// RequestTitle is the title of a request's card.
func RequestTitle(hire string) string { return "Temporary Access Pass request for " + hire }

// StatsTitle is the title of the stats card; span is already in words.
func StatsTitle(span string) string { return "Temporary Access Pass numbers, last " + span }

// PassTitle is the title of the private view with the pass, and the
// caption of the pass itself.
func PassTitle(hire string) string { return "Temporary Access Pass for " + hire }
