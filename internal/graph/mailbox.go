package graph

import (
	"context"

	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/tapbot/tapbot/internal/tap"
)

// MailboxZone returns the user's mailbox time zone as Exchange keeps it
// (a Windows zone name such as "Pacific Standard Time", or an IANA name),
// "" when none is set. It needs MailboxSettings.Read: without it Graph
// answers 403 and the error is tap.ErrPermission. A user without a
// mailbox (or unknown) is tap.ErrUserNotFound.
func (c *Client) MailboxZone(ctx context.Context, id tap.UserID) (string, error) {
	cl := call{op: "read mailbox time zone", permission: permMailbox, notFound: tap.ErrUserNotFound}
	if err := checkKey(cl.op, string(id)); err != nil {
		return "", err
	}
	s, err := c.users.ByUserId(string(id)).MailboxSettings().Get(ctx, &users.ItemMailboxSettingsRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMailboxSettingsRequestBuilderGetQueryParameters{Select: []string{"timeZone"}}})
	if err != nil {
		return "", classify(ctx, cl, err)
	}
	return deref(s.GetTimeZone()), nil
}
