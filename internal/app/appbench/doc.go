// Package appbench measures the whole path a chat message takes through
// tapbot as cmd/bot wires it (app.Build): a signed Slack event or an
// authenticated Teams activity is acknowledged, the dialog takes a step,
// the policy reads Entra (simtenant over HTTP, through the real Graph
// client), and the reply leaves through the real Slack or Bot Connector
// client to the fakes (slackfake, connectortest). It holds benchmarks
// only: go test -run '^$' -bench . ./internal/app/appbench
package appbench
