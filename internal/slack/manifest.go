package slack

// botScopes are the bot token scopes the adapter uses, and what for. The
// app manifest (manifests/slack/manifest.yaml) must ask for exactly these.
var botScopes = map[string]string{
	"chat:write":        "chat.postMessage, chat.update, chat.postEphemeral",
	"commands":          "the /tap slash command",
	"files:read":        "files shared in the DM: a CSV batch of requests, downloaded with the bot token",
	"im:write":          "conversations.open, to DM a user",
	"im:history":        "message.im events: DMs to the bot",
	"users:read":        "users.info: guest flags and home workspace",
	"users:read.email":  "users.info e-mail, to find the Entra user",
	"app_mentions:read": "app_mention events",
}

// botEvents are the Events API subscriptions the adapter handles.
var botEvents = []string{"app_mention", "message.im"}
