// Package dialog is the requester's conversation with tapbot: a pure state
// machine (looplab/fsm) plus small parsers that turn free text or a
// submitted form into a TAP request draft.
//
// Nothing here does I/O or reads the clock. The router (package bot) keeps a
// Session per (platform, conversation, user) as JSON, calls Step with the
// current time and what the user said, says the Replies, looks up
// Output.Resolve in Entra and calls Step again with the answer, submits
// Output.Submit to approvals and runs Output.Command.
//
// Every sentence the bot says lives in internal/text (dialog.go); texts.go
// fills them with values.
package dialog
