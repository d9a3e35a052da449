// check-cards.mjs parses Adaptive Card JSON with the Adaptive Cards SDK (npm
// "adaptivecards") and reports parse or validation problems, unknown element
// or action types (which the SDK silently drops) and card versions other
// than 1.5. As a command it checks files; e2e.mjs imports checkCard to check
// every card the bot sent during the walk.
//
//   cd e2e/playground && npm ci && node check-cards.mjs ../../internal/teams/testdata/cards/*.json
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
// The SDK touches a few DOM globals at load time; parsing needs none.
globalThis.window ??= globalThis;
globalThis.document ??= { createElement: () => ({ style: {} }) };
// lib/ is extensionless ESM that Node cannot load; dist/ is the UMD bundle.
const AC = require('adaptivecards/dist/adaptivecards.js');

// countTypes counts typed elements and actions, fallbacks excluded.
function countTypes(o) {
  let n = 0;
  if (Array.isArray(o)) for (const x of o) n += countTypes(x);
  else if (o && typeof o === 'object') {
    if (typeof o.type === 'string' && o.type !== 'AdaptiveCard') n++;
    for (const [k, v] of Object.entries(o)) if (k !== 'fallback') n += countTypes(v);
  }
  return n;
}

// checkCard returns the problems the SDK finds in a card (empty when fine).
export function checkCard(json) {
  const problems = [];
  if (json?.type !== 'AdaptiveCard') problems.push(`type is ${json?.type}`);
  if (json?.version !== '1.5') problems.push(`version is ${json?.version}, want 1.5`);
  const card = new AC.AdaptiveCard();
  const ctx = new AC.SerializationContext();
  ctx.targetVersion = AC.Versions.v1_5;
  card.parse(json, ctx);
  for (let i = 0; i < ctx.eventCount; i++) {
    const ev = ctx.getEventAt(i);
    problems.push(`parse: ${AC.ValidationEvent[ev.event] ?? ev.event}: ${ev.message}`);
  }
  for (const ev of card.validateProperties().validationEvents) {
    problems.push(`validate: ${AC.ValidationEvent[ev.event] ?? ev.event}: ${ev.message}`);
  }
  const want = countTypes(json);
  const got = countTypes(card.toJSON(ctx));
  if (got !== want) problems.push(`SDK kept ${got} of ${want} typed elements/actions`);
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node check-cards.mjs card.json...');
    process.exit(2);
  }
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    let problems;
    try {
      problems = checkCard(JSON.parse(readFileSync(file, 'utf8')));
    } catch (e) {
      problems = [`not JSON: ${e.message}`];
    }
    if (problems.length) {
      failed++;
      console.log(`FAIL ${file}`);
      for (const p of problems) console.log(`  ${p}`);
    } else {
      passed++;
      console.log(`ok   ${file}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
