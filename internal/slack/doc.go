// Package slack is tapbot's Slack adapter. It speaks Slack's protocols
// (signed HTTP requests or Socket Mode, the Web API) and plugs into the chat
// seam: inbound events, interactions and the /tap command become chat.Event
// values for a chat.Handler; outbound chat.Message values are drawn in
// Block Kit by a chat.Messenger.
//
// The flow (what to say, who may approve) is not decided here: this package
// authenticates, acknowledges within Slack's 3 s, de-duplicates deliveries,
// resolves the Slack identity, draws, and transports. The pass value is only
// ever drawn in a modal opened for the person who clicked; every persisted
// surface (chat.postMessage, chat.update) refuses a Message with a Secret.
package slack
