// Package bot is the one place where chat events become dialog steps and
// approvals calls, and where lifecycle notices become chat messages. It is
// platform-neutral: every platform plugs in as a chat.Messenger and feeds
// events through Router.Handle.
package bot
