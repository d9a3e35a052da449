#!/usr/bin/env bash
# CI checks for the Teams client side, run from anywhere:
#   bash e2e/playground/ci.sh          cards + playground end-to-end
#   bash e2e/playground/ci.sh cards    only the Adaptive Cards SDK check
# 1. npm ci (pinned @microsoft/m365agentsplayground, adaptivecards, ws).
# 2. Every golden card in internal/teams/testdata/cards parses and validates
#    with the Adaptive Cards SDK.
# 3. The Microsoft 365 Agents Playground drives `go run ./cmd/bot` (local
#    mode) through the whole flow via the playground's own API.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
node check-cards.mjs ../../internal/teams/testdata/cards/*.json ../../internal/teams/testdata/cards/states/*.json
if [ "${1:-}" != "cards" ]; then
  node e2e.mjs
fi
