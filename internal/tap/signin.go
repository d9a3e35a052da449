package tap

import "time"

// MethodNameTAP is how Graph's sign-in log names the Temporary Access
// Pass in authenticationDetails[].authenticationMethod.
const MethodNameTAP = "Temporary Access Pass"

// SignIn is one entry of a user's Entra sign-in log, as far as watching a
// pass needs it. It never holds a pass value (the log has none).
type SignIn struct {
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	UserID UserID    `json:"userId"`
	IP     string    `json:"ip"`
	// City, State and Country come from the log's location.
	City    string `json:"city,omitempty"`
	State   string `json:"state,omitempty"`
	Country string `json:"country,omitempty"`
	OS      string `json:"os,omitempty"`
	Browser string `json:"browser,omitempty"`
	// ErrorCode is status.errorCode: 0 is a successful sign-in.
	ErrorCode     int    `json:"errorCode,omitempty"`
	FailureReason string `json:"failureReason,omitempty"`
	// TAP: a step of authenticationDetails used the Temporary Access
	// Pass; TAPSucceeded: that step succeeded.
	TAP          bool `json:"tap"`
	TAPSucceeded bool `json:"tapSucceeded"`
}

// Where describes the sign-in for people: "203.0.113.7, Seattle, Windows".
func (s SignIn) Where() string {
	out := s.IP
	for _, p := range []string{s.City, s.OS} {
		if p != "" {
			out += ", " + p
		}
	}
	return out
}
