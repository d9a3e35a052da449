// act.mjs lets a person walking the flow in the Agents Playground web UI act
// as the other people of ../../.m365agentsplayground.yml. The web UI acts as
// Megan Bowen (the manager); approvers and new hires act here, through the
// playground's own API, and the bot's answers show up in the web UI.
//
// Start it in a second terminal right after the playground and before you
// begin (it sees the cards the bot posts from then on):
//
//   node e2e/playground/act.mjs
//   > approve alex                  approve the newest pending request as Alex Wilber (or irvin)
//   > deny irvin starts next month  deny it, with a reason
//   > register sarah.johnson@contoso.com windows_hello
//                                   register a sign-in method in the simulated tenant
//   > say sarah done                type in Sarah's 1:1 chat with the bot
//   > quit
//
// Env: PLAYGROUND_URL (default http://127.0.0.1:56150), TAPBOT_URL (default http://127.0.0.1:3978).
import { createInterface } from 'node:readline/promises';
import {
  ALEX, APPROVERS, BOT, DIEGO, IRVIN, MEGAN_CHAT, SARAH, actionsOf, baseConv, cards, click, connectStream,
  findAction, latest, sayAs, textOf, usePlayground,
} from './playground.mjs';

const PG = process.env.PLAYGROUND_URL || 'http://127.0.0.1:56150';
const BOT_URL = process.env.TAPBOT_URL || 'http://127.0.0.1:3978';
const people = { alex: ALEX, irvin: IRVIN, sarah: SARAH, diego: DIEGO };
const port = new URL(PG).port || '80';

function person(name, fallback) {
  const p = people[String(name || fallback).toLowerCase()];
  if (!p) throw new Error(`unknown person "${name}"; one of ${Object.keys(people).join(', ')}`);
  return p;
}

async function decide(verb, args) {
  const who = person(args[0], 'alex');
  const found = findAction(APPROVERS, verb === 'approve' ? 'tap_approve' : 'tap_deny');
  if (!found) throw new Error('no approval card with that button seen in the approvers channel yet');
  const answer = await click(who, found.m, found.action);
  if (verb === 'deny') {
    const submit = actionsOf(answer?.value || {}).find((a) => a.verb);
    if (!submit) throw new Error(`the bot did not ask for a reason: ${textOf(answer?.value || {})}`);
    await click(who, found.m, submit, { reason: args.slice(1).join(' ') || 'Not needed' });
  }
  return `${who.name} clicked ${verb}: ${textOf(answer?.value || {}).split('\n')[0] || 'ok'}`;
}

async function run(line) {
  const [verb, ...args] = line.trim().split(/\s+/);
  switch (verb) {
    case 'approve':
    case 'deny':
      return decide(verb, args);
    case 'say': {
      const who = person(args[0]);
      const text = args.slice(1).join(' ');
      if (!text) throw new Error('say <person> <text>');
      await sayAs(who, text, `http://localhost:${port}/_connector`);
      return `${who.name} said "${text}"`;
    }
    case 'register': {
      const res = await fetch(`${BOT_URL}/_local/methods`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ user: args[0] || 'sarah.johnson@contoso.com', kind: args[1] || 'windows_hello' }),
      });
      return (await res.text()).trim();
    }
    case '':
    case undefined:
      return '';
    default:
      return 'commands: approve [alex|irvin] · deny [alex|irvin] <reason> · register <e-mail> [kind] · say <person> <text> · quit';
  }
}

usePlayground(PG);
const ws = await connectStream(port);
const shown = new Set();
setInterval(() => {
  for (const m of latest.values()) {
    const key = `${m.message.messageId}@${m.message.timestamp}`;
    if (shown.has(key) || m.message.from?.id !== BOT.id) continue;
    shown.add(key);
    const where = baseConv(m.conv) === APPROVERS ? 'approvers channel' : baseConv(m.conv) === MEGAN_CHAT ? "Megan's chat" : m.conv;
    const title = [m.message.text || '', ...cards(m).map((c) => textOf(c).split('\n')[0])].join(' ').trim();
    console.log(`\n[bot → ${where}] ${title}`);
  }
}, 300).unref();
console.log(`watching ${PG}; type "help" for commands`);
const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: '> ' });
rl.prompt();
for await (const line of rl) {
  if (/^(quit|exit)$/.test(line.trim())) break;
  try {
    const out = await run(line);
    if (out) console.log(out);
  } catch (e) {
    console.log(`error: ${e.message}`);
  }
  rl.prompt();
}
ws.close();
process.exit(0);
