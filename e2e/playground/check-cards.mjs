// check-cards.mjs parses every Adaptive Card JSON file given on the command
// line with the Adaptive Cards SDK (npm "adaptivecards") and fails when the
// SDK reports a parse or validation problem, an unknown element or action
// type, or a card version other than 1.5.
//
//   cd e2e/playground && npm ci && node check-cards.mjs ../../internal/teams/testdata/cards/*.json
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// The SDK touches a few DOM globals at load time; parsing needs none.
globalThis.window ??= globalThis;
globalThis.document ??= { createElement: () => ({ style: {} }) };
// lib/ is extensionless ESM that Node cannot load; dist/ is the UMD bundle.
const AC = require('adaptivecards/dist/adaptivecards.js');

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node check-cards.mjs card.json...');
  process.exit(2);
}

let passed = 0;
let failed = 0;
for (const file of files) {
  const problems = [];
  let json;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    problems.push(`not JSON: ${e.message}`);
  }
  if (json) {
    if (json.type !== 'AdaptiveCard') problems.push(`type is ${json.type}`);
    if (json.version !== '1.5') problems.push(`version is ${json.version}, want 1.5`);
    const card = new AC.AdaptiveCard();
    const ctx = new AC.SerializationContext();
    ctx.targetVersion = AC.Versions.v1_5;
    card.parse(json, ctx);
    for (let i = 0; i < ctx.eventCount; i++) {
      const ev = ctx.getEventAt(i);
      problems.push(`parse: ${AC.ValidationEvent[ev.event] ?? ev.event}: ${ev.message}`);
    }
    const results = card.validateProperties();
    for (const ev of results.validationEvents) {
      problems.push(`validate: ${AC.ValidationEvent[ev.event] ?? ev.event}: ${ev.message}`);
    }
    // The SDK silently drops what it does not know; compare counts.
    const countTypes = (o) => {
      let n = 0;
      if (Array.isArray(o)) for (const x of o) n += countTypes(x);
      else if (o && typeof o === 'object') {
        if (typeof o.type === 'string' && o.type !== 'AdaptiveCard') n++;
        for (const [k, v] of Object.entries(o)) if (k !== 'fallback') n += countTypes(v);
      }
      return n;
    };
    const reserialized = card.toJSON(ctx);
    const want = countTypes(json);
    const got = countTypes(reserialized);
    if (got !== want) problems.push(`SDK kept ${got} of ${want} typed elements/actions`);
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
