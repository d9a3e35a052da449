package dialog

import (
	"strings"
	"unicode/utf8"
)

// nav is a navigation word said at any step.
type nav int

const (
	navNone nav = iota
	navCancel
	navRestart
	navHelp
	navBack
	navDefaults // use defaults for every remaining slot
	navDefault  // use the default for this slot
	navWrongPerson
)

var navPhrases = map[string]nav{
	"cancel": navCancel, "stop": navCancel, "abort": navCancel, "quit": navCancel, "exit": navCancel,
	"never mind": navCancel, "nevermind": navCancel, "forget it": navCancel, "cancel request": navCancel,
	"cancel it": navCancel, "cancel this": navCancel, "cancel that": navCancel, "cancel the request": navCancel,
	"restart": navRestart, "start over": navRestart, "start again": navRestart, "begin again": navRestart,
	"start from scratch": navRestart, "new request": navRestart, "from scratch": navRestart,
	"help": navHelp, "?": navHelp, "help me": navHelp, "what can you do": navHelp, "options": navHelp,
	"commands": navHelp, "huh": navHelp, "what": navHelp,
	"back": navBack, "go back": navBack, "undo": navBack, "previous": navBack, "prev": navBack,
	"defaults": navDefaults, "use defaults": navDefaults, "use the defaults": navDefaults,
	"use defaults for the rest": navDefaults, "all defaults": navDefaults, "defaults for the rest": navDefaults,
	"default": navDefault, "use default": navDefault, "use the default": navDefault,
	"keep": navDefault, "keep it": navDefault, "same": navDefault, "the default": navDefault,
	"default is fine": navDefault, "default please": navDefault,
	"wrong person": navWrongPerson, "wrong user": navWrongPerson, "wrong one": navWrongPerson,
	"not her": navWrongPerson, "not him": navWrongPerson, "not them": navWrongPerson,
	"that's the wrong person": navWrongPerson, "not that person": navWrongPerson, "wrong sarah": navWrongPerson,
}

func navOf(w string) nav { return navPhrases[w] }

// thanksWords get a polite answer outside a request.
var thanksWords = map[string]bool{"thanks": true, "thank you": true, "thx": true, "ty": true, "cheers": true,
	"thanks a lot": true, "great thanks": true, "perfect thanks": true, "ok thanks": true}

// skipWords leave the justification empty.
var skipWords = map[string]bool{"skip": true, "none": true, "no": true, "n/a": true, "na": true, "-": true,
	"nothing": true, "no note": true, "nope": true, "nah": true, "no thanks": true}

// confirmWords send the summary to the approvers.
var confirmWords = map[string]bool{"confirm": true, "yes": true, "y": true, "yep": true, "yeah": true,
	"submit": true, "send": true, "send it": true, "go": true, "go ahead": true, "looks good": true,
	"lgtm": true, "ok": true, "okay": true, "correct": true, "sure": true, "yes please": true,
	"confirm and send": true, "ship it": true, "\U0001f44d": true}

// requestWords start a request when they open a message.
var requestWords = map[string]bool{"request": true, "new": true, "create": true, "issue": true,
	"start": true, "begin": true}

// asksForPass reports whether a message is about getting a pass: it opens
// with a request word or mentions a pass ("I need a TAP").
func asksForPass(w string) bool {
	if requestWords[firstWord(w)] {
		return true
	}
	for _, x := range strings.Fields(w) {
		switch x {
		case "tap", "pass", "request", "taps", "passes":
			return true
		}
	}
	return false
}

// mentionsHelp reports whether help is asked for in so many words.
func mentionsHelp(w string) bool {
	for _, x := range strings.Fields(w) {
		if x == "help" {
			return true
		}
	}
	return false
}

// passThrough are the commands that run without ending a request draft.
var passThrough = map[string]bool{"status": true, "pending": true, "stats": true, "revoke": true,
	"reissue": true, "reschedule": true, "withdraw": true}

// commandPhrases are whole messages that name a command.
var commandPhrases = map[string]string{
	"status": "status", "my requests": "status", "my status": "status", "show status": "status",
	"pending": "pending", "show pending": "pending", "what's pending": "pending", "pending requests": "pending",
	"stats": "stats", "statistics": "stats", "metrics": "stats", "report": "stats",
	"done": "done", "i'm done": "done", "im done": "done", "i am done": "done", "all done": "done",
	"all set": "done", "finished": "done", "i'm finished": "done", "setup done": "done", "complete": "done",
	"help": "help",
}

// commandOf recognises a command: a known phrase, or "status <x>",
// "revoke <user>", "cancel <request>", "stats <period>".
func commandOf(text, w string) *Command {
	if name, ok := commandPhrases[w]; ok {
		return &Command{Name: name}
	}
	first := firstWord(w)
	switch first {
	case "status", "revoke", "cancel", "stats":
	case "reissue", "reschedule", "withdraw":
		// "<user> <when>" and "<user> <reason>": the router splits them.
		return &Command{Name: first, Arg: cleanArg(strings.TrimSpace(text[min(len(first), len(text)):]))}
	default:
		return nil
	}
	arg := cleanArg(strings.TrimSpace(text[min(len(first), len(text)):]))
	if arg == "" {
		if first == "revoke" {
			return &Command{Name: "revoke"}
		}
		return nil
	}
	if strings.Contains(arg, "@") {
		if v, err := ParseTarget(arg); err == nil {
			arg = v
		}
	}
	return &Command{Name: first, Arg: arg}
}

// cleanArg strips control characters from a command argument and caps it.
func cleanArg(s string) string {
	s, err := CleanJustification(s)
	if err != nil {
		return ""
	}
	for utf8.RuneCountInString(s) > 200 {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}
