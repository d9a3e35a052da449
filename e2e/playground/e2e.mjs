// e2e.mjs drives tapbot (local mode) through the real Microsoft 365 Agents
// Playground (npm @microsoft/m365agentsplayground), using only the
// playground's own HTTP and WebSocket API — the same calls its web UI makes:
//
//   POST /_conversation/v1/conversations/{id}/messages  a message as the current user (Megan)
//   POST /_conversation/v1/invoke                       an Action.Execute click as any team member
//   POST /_internal/v1/customActivities                 any activity (the new hire's "done")
//   WS   /_ws_conversation/v1/conversations/stream      every message the bot posts or updates
//
// The walk: Megan opens her chat and is welcomed once → she asks for a pass in her 1:1 chat → the approval card
// arrives in the approvers channel → Megan (the requester) and Diego (not an
// approver) are refused → Alex approves → Megan reveals → the pass comes
// back only in the invoke response (never in anything the bot posts or
// updates) → the pass expires and Sarah's plea tells Megan → Megan clicks
// Issue a new pass → Alex approves the new request and Megan reveals it →
// Sarah's sign-in methods are registered in the fake tenant →
// Sarah says "done" → the request is confirmed. Then a second request is
// denied by Irvin with a reason, and a third is rescheduled and withdrawn.
// Last, Alex pastes a small batch (five rows) and Irvin approves it all
// from its one bulk card, which follows the issuance.
// Every card the bot sent must parse with the Adaptive Cards SDK.
//
// Usage (from this folder, after npm ci):
//   node e2e.mjs                 starts the playground and `go run ./cmd/bot`
//   TAPBOT_E2E_BOT_URL=http://127.0.0.1:3978 node e2e.mjs   uses a running bot
// Env: TAPBOT_E2E_PORT (playground port, default 56190), TAPBOT_E2E_TIMEOUT_MS
// (per step, default 60000), TAPBOT_E2E_BOT_CMD (default "go run ./cmd/bot").
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkCard } from './check-cards.mjs';
import {
  ALEX, APPROVERS, BOT, DIEGO, IRVIN, MEGAN, MEGAN_CHAT, SARAH, SARAH_EMAIL, TENANT,
  actionsOf, botMessages, cards, click, inputsOf, connectStream, findAction, formDefaults, http, latest, say, sayAs, stream,
  textOf, usePlayground,
} from './playground.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const stepTimeout = Number(process.env.TAPBOT_E2E_TIMEOUT_MS || 60000);
// Not the playground's default port: a local-mode bot started elsewhere on
// this machine posts to localhost:56150 and must not disturb the walk.
const wantPort = Number(process.env.TAPBOT_E2E_PORT || 56190);

const children = [];
const work = mkdtempSync(join(tmpdir(), 'tapbot-e2e-'));
let failed = false;

function log(...a) { console.log('[e2e]', ...a); }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function start(name, cmd, args, opts) {
  const out = join(work, `${name}.log`);
  const fd = openSync(out, 'a');
  const child = spawn(cmd, args, { ...opts, stdio: ['ignore', fd, fd], detached: true });
  child.logFile = out;
  child.name = name;
  children.push(child);
  child.on('exit', (code, sig) => { child.exited = { code, sig }; });
  return child;
}

function stopAll() {
  for (const c of children) {
    if (!c.exited) {
      try { process.kill(-c.pid, 'SIGTERM'); } catch { /* already gone */ }
    }
  }
}

const lastAnswers = []; // every invoke answer Megan got, for the card check and the failure dump
const denyAnswers = [];
function dumpLogs() {
  for (const a of lastAnswers) console.log(`invoke answer: ${textOf(a.card).replace(/\n/g, ' | ').slice(0, 300)}`);
  console.log('----- what the playground showed -----');
  for (const { ev } of stream) {
    const m = ev.message;
    const acts = cards({ message: m }).flatMap((c) => actionsOf(c).map((a) => `[${a.title}→${a.verb}]`));
    const text = [m.text || '', ...cards({ message: m }).map((c) => textOf(c).replace(/\n/g, ' | '))].join(' ').slice(0, 300);
    console.log(`${ev.action} ${ev.actionConversationId} ${m.messageId} from ${m.from?.id}: ${text} ${acts.join(' ')}`);
  }
  for (const c of children) {
    try {
      const text = readFileSync(c.logFile, 'utf8');
      console.log(`----- ${c.name} log (last 60 lines) -----`);
      console.log(text.split('\n').slice(-60).join('\n'));
    } catch { /* no log */ }
  }
}

async function waitFor(desc, fn, timeout = stepTimeout) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    for (const c of children) {
      if (c.exited) throw new Error(`${c.name} exited (${JSON.stringify(c.exited)}) while waiting for ${desc}`);
    }
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${desc}${last instanceof Error ? `: ${last.message}` : ''}`);
}

// ---- the walk ----

// requestPass has Megan ask for a pass for email in her 1:1 chat, answers
// the dialog (a form or confirm buttons) and returns the approval card
// that arrives in the approvers channel.
async function requestPass(email) {
  const mark = stream.length;
  await say(MEGAN_CHAT, `pass for ${email} tomorrow 7:00, 8 hours, onboarding`);
  log(`Megan asked for a pass for ${email}`);

  // Answer the dialog (a form or confirm buttons) until the approval card
  // is in the channel.
  // A card Megan sees is either a posted message or the invoke answer that
  // replaced it on her client after a click.
  const handled = new Set();
  const answers = []; // { m, card } from invoke responses, newest last
  const answerCard = (m, res) => {
    if (res?.type === 'application/vnd.microsoft.card.adaptive' && res.value) {
      answers.push({ m, card: res.value, key: `answer:${answers.length}` });
      lastAnswers.push({ card: res.value });
    }
  };
  return waitFor('the approval card in the approvers channel', async () => {
    const found = findAction(APPROVERS, 'tap_approve', mark);
    if (found) return found;
    const seen = [];
    for (const m of botMessages(MEGAN_CHAT, mark)) {
      for (const c of cards(m)) seen.push({ m, card: c, key: `${m.message.messageId}:${m.message.timestamp}` });
    }
    for (const { m, card: c, key } of [...seen, ...answers]) {
      if (handled.has(key)) continue;
      const form = actionsOf(c).find((a) => a.verb === 'tap_request');
      // The answers a manager in a hurry gives: confirm, accept defaults, skip.
      const says = actionsOf(c).filter((a) => a.verb === 'tap_say');
      const confirm = ['confirm', 'yes', 'submit', 'send', 'defaults', 'skip']
        .map((v) => says.find((a) => String(a.data?.value).toLowerCase().startsWith(v))).find(Boolean);
      if (form) {
        handled.add(key);
        log('submitting the request form');
        answerCard(m, await click(MEGAN, m, form, formDefaults(c)));
      } else if (confirm) {
        handled.add(key);
        log(`clicking "${confirm.title}"`);
        answerCard(m, await click(MEGAN, m, confirm));
      }
    }
    return null;
  });
}

async function main() {
  const botURL = process.env.TAPBOT_E2E_BOT_URL || 'http://127.0.0.1:3978';
  const pg = start('playground', process.execPath,
    [join(here, 'node_modules', '@microsoft', 'm365agentsplayground', 'cli.js'), '-p', String(wantPort), '--dt'], {
      cwd: repo, // reads the repo's .m365agentsplayground.yml
      env: { ...process.env, TEAMSAPPTESTER_BROWSER: 'none', BOT_ENDPOINT: `${botURL}/api/messages`,
        M365_AGENTS_PLAYGROUND_LOGFILE: join(work, 'playground-internal.log') },
    });
  const port = await waitFor('the playground to listen', () => {
    const m = /Listening on (\d+)/.exec(readFileSync(pg.logFile, 'utf8'));
    return m && Number(m[1]);
  }, 30000);
  const PG = `http://127.0.0.1:${port}`;
  usePlayground(PG);
  const cfg = await waitFor('the playground config', () => http('GET', `${PG}/_internal/v1/testConfig`), 15000);
  if (cfg.config.tenantId !== TENANT || cfg.config.currentUser.aadObjectId !== MEGAN.aadObjectId) {
    throw new Error('the playground did not load the repo .m365agentsplayground.yml');
  }
  log(`playground on ${PG}`);

  if (!process.env.TAPBOT_E2E_BOT_URL) {
    const [cmd, ...args] = (process.env.TAPBOT_E2E_BOT_CMD || 'go run ./cmd/bot').split(' ');
    start('bot', cmd, args, {
      cwd: repo,
      // The bot accepts and calls loopback serviceUrls on the playground's
      // port only; its metrics listener takes any free port.
      env: { ...process.env, TAPBOT_DATA_DIR: join(work, 'data'), TAPBOT_LISTEN: '127.0.0.1:3978',
        TAPBOT_TEAMS_PLAYGROUND_PORT: String(port), TAPBOT_METRICS_LISTEN: '127.0.0.1:0' },
    });
  }
  await waitFor('the bot /healthz', async () => (await fetch(`${botURL}/healthz`)).ok, 600000); // go run may compile first
  log(`bot on ${botURL}`);
  await connectStream(port);

  // 0. Megan opens her chat (the web UI installs the app): one welcome.
  let mark = stream.length;
  await http('POST', `${PG}/_debug/conversation/${encodeURIComponent(MEGAN_CHAT)}/installation`, {});
  const welcome = await waitFor('the welcome message', () => botMessages(MEGAN_CHAT, mark)[0]);
  await sleep(1000);
  if (botMessages(MEGAN_CHAT, mark).length !== 1) throw new Error('the install was welcomed more than once');
  log(`welcome: "${[welcome.message.text || '', ...cards(welcome).map(textOf)].join(' ').split('\n')[0].slice(0, 80)}"`);

  // 1. Megan asks for a pass in her 1:1 chat.
  const approval = await requestPass(SARAH_EMAIL);
  mark = stream.length;
  log(`approval card ${approval.m.message.messageId} in ${approval.m.conv}`);
  if (!/sarah/i.test(textOf(approval.card))) throw new Error('the approval card does not name the new hire');

  // 2. The requester and a non-approver cannot approve; Alex can.
  for (const who of [MEGAN, DIEGO]) {
    const res = await click(who, approval.m, approval.action);
    log(`${who.name} clicked Approve: "${textOf(res?.value || {}).split('\n')[0]}"`);
    // A refused click is answered with one line above the card, which
    // stays whole: never the line alone.
    if (!/sarah/i.test(textOf(res?.value || {}))) throw new Error(`a refused click replaced the card with: ${JSON.stringify(res)}`);
  }
  await sleep(500);
  if (!cards(latest.get(approval.m.message.messageId)).some((c) => actionsOf(c).some((a) => a.verb === 'tap_approve'))) {
    throw new Error('the requester or a non-approver could approve');
  }
  log('the requester and a non-approver were refused; the card is still pending');
  mark = stream.length;
  const approved = await click(ALEX, approval.m, approval.action);
  if (approved?.type !== 'application/vnd.microsoft.card.adaptive') throw new Error(`approve answer: ${JSON.stringify(approved)}`);
  // The answer is the card in its new state, not a bare "Done.".
  if (!/approved by/i.test(textOf(approved.value)) || actionsOf(approved.value).some((a) => a.verb === 'tap_approve')) {
    throw new Error(`approve answer is not the decided card: ${JSON.stringify(approved)}`);
  }
  await waitFor('the approval card updated in place', () => {
    const now = latest.get(approval.m.message.messageId);
    return now.seq > mark && !cards(now).some((c) => actionsOf(c).some((a) => a.verb === 'tap_approve'));
  });
  log('Alex approved; the channel card was updated for everyone');

  // 3. Megan reveals: the pass comes back in the invoke response only.
  const reveal = await waitFor('the Reveal button in Megan\'s chat', () => findAction(MEGAN_CHAT, 'tap_reveal'));
  mark = stream.length;
  const answer = await click(MEGAN, reveal.m, reveal.action);
  const card = answer?.value;
  let pass = '';
  JSON.stringify(card, (k, v) => {
    if (v && v.type === 'TextRun' && v.fontType === 'Monospace' && v.text) pass = v.text;
    return v;
  });
  if (!pass) throw new Error(`the reveal answer has no pass: ${JSON.stringify(answer)}`);
  log(`Megan revealed the pass (${pass.length} characters) in the invoke response`);
  await waitFor('a posted card to say the pass was revealed', () => {
    const now = latest.get(reveal.m.message.messageId);
    if (now.seq > mark && !cards(now).some((c) => actionsOf(c).some((a) => a.verb === 'tap_reveal'))) return true;
    return stream.slice(mark).some(({ ev }) => ev.message.from?.id === BOT.id &&
      /revealed/i.test(cards({ message: ev.message }).map(textOf).join('\n')));
  });
  for (const { raw } of stream) {
    if (raw.includes(pass)) throw new Error('the pass appears in a posted or updated message');
  }
  log('the pass is in no posted or updated message');

  // 3b. The pass stops working (ended in the fake tenant): Sarah's plea is
  // answered from Entra, not with a request dialog, and Megan is told.
  // (Sarah's own chat is not in the playground's stream; the Go tests
  // check her answer.)
  const exp = await fetch(`${botURL}/_local/pass`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user: SARAH_EMAIL, do: 'expire' }),
  });
  if (!exp.ok) throw new Error(`expire pass: ${exp.status} ${await exp.text()}`);
  mark = stream.length;
  await sayAs(SARAH, "hi, my pass doesn't work", `http://localhost:${port}/_connector`);
  await waitFor('Megan told the pass expired', () => stream.slice(mark).some(({ raw }) => raw.includes('says the pass does not work: it has expired')));
  log('Sarah said her pass does not work; Megan was told, from Entra, that it has expired');

  // 3c. The article's backup plan: Megan's notice has "Issue a new pass";
  // her click deletes the expired pass in Entra and asks the approvers
  // again; Alex approves and Megan reveals the new pass.
  const reissue = await waitFor('Issue a new pass in Megan\'s chat', () => findAction(MEGAN_CHAT, 'tap_reissue', mark));
  mark = stream.length;
  await click(MEGAN, reissue.m, reissue.action);
  const renewed = await waitFor('the new approval card', () => findAction(APPROVERS, 'tap_approve', mark));
  if (!/Replaces/.test(textOf(renewed.card))) throw new Error('the new approval card does not say which request it replaces');
  log('Megan clicked Issue a new pass; a new approval card names the request it replaces');
  mark = stream.length;
  const reapproved = await click(ALEX, renewed.m, renewed.action);
  if (reapproved?.type !== 'application/vnd.microsoft.card.adaptive') throw new Error(`approve answer: ${JSON.stringify(reapproved)}`);
  const reveal2 = await waitFor('the new Reveal button in Megan\'s chat', () => findAction(MEGAN_CHAT, 'tap_reveal', mark));
  const answer2 = await click(MEGAN, reveal2.m, reveal2.action);
  let pass2 = '';
  JSON.stringify(answer2?.value, (k, v) => {
    if (v && v.type === 'TextRun' && v.fontType === 'Monospace' && v.text) pass2 = v.text;
    return v;
  });
  if (!pass2 || pass2 === pass) throw new Error(`the reissued pass was not revealed: ${JSON.stringify(answer2)}`);
  await sleep(500);
  for (const { raw } of stream) {
    if (raw.includes(pass2)) throw new Error('the reissued pass appears in a posted or updated message');
  }
  log('Alex approved the new request and Megan revealed the new pass, in the invoke response only');

  // 4. Sarah registers Windows Hello in the fake tenant and says "done".
  const reg = await fetch(`${botURL}/_local/methods`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user: SARAH_EMAIL, kind: 'windows_hello' }),
  });
  if (!reg.ok) throw new Error(`register method: ${reg.status} ${await reg.text()}`);
  log('Windows Hello registered for Sarah in the fake tenant');
  mark = stream.length;
  await sayAs(SARAH, 'done', `http://localhost:${port}/_connector`);
  log('Sarah said "done"');
  await waitFor('the confirmation to Megan or the approvers', () => {
    for (const conv of [MEGAN_CHAT, APPROVERS]) {
      for (const m of botMessages(conv, mark)) {
        const text = [m.message.text || '', ...cards(m).map(textOf)].join('\n');
        if (/confirmed/i.test(text)) return m;
      }
    }
    return null;
  });
  log('confirmed');

  // 5. A second request, denied by Irvin with a reason.
  const second = await requestPass('diego.siciliani@contoso.com');
  const deny = actionsOf(second.card).find((a) => a.verb === 'tap_deny');
  if (!deny) throw new Error('the approval card has no Deny button');
  mark = stream.length;
  const askReason = await click(IRVIN, second.m, deny);
  const submitReason = actionsOf(askReason?.value || {}).find((a) => a.verb);
  if (!submitReason || !inputsOf(askReason.value).some((i) => i.id === 'reason')) {
    throw new Error(`Deny did not ask for a reason: ${JSON.stringify(askReason)}`);
  }
  denyAnswers.push(askReason.value);
  await click(IRVIN, second.m, submitReason, { reason: 'Diego starts next month' });
  await waitFor('the denied card and Megan told', () => {
    const now = latest.get(second.m.message.messageId);
    const updated = now.seq > mark && /denied/i.test(cards(now).map(textOf).join('\n')) &&
      !cards(now).some((c) => actionsOf(c).some((x) => x.verb === 'tap_approve'));
    const told = botMessages(MEGAN_CHAT, mark).some((m) => /denied/i.test([m.message.text || '', ...cards(m).map(textOf)].join('\n')));
    return updated && told;
  });
  log('Irvin denied the second request with a reason; the card was updated and Megan told');

  // 6. Diego's start date moves (the pending card is redrawn with the new
  // start), then his offer is rescinded (the card says who withdrew it
  // and why).
  const third = await requestPass('diego.siciliani@contoso.com');
  mark = stream.length;
  await say(MEGAN_CHAT, 'reschedule diego.siciliani@contoso.com in 3 days 9:00');
  await waitFor('the approval card redrawn with the new start', () => {
    const now = latest.get(third.m.message.messageId);
    return now.seq > mark && cards(now).some((c) => actionsOf(c).some((x) => x.verb === 'tap_approve')) &&
      botMessages(APPROVERS, mark).some((m) => /changed to/.test([m.message.text || '', ...cards(m).map(textOf)].join('\n')));
  });
  log('Megan rescheduled the pending request; the approvers were told and the card shows the new start');
  mark = stream.length;
  await say(MEGAN_CHAT, 'withdraw diego.siciliani@contoso.com offer rescinded');
  await waitFor('the card to say the request was withdrawn and why', () => {
    const now = latest.get(third.m.message.messageId);
    const text = cards(now).map(textOf).join('\n');
    return now.seq > mark && /Withdrawn by Megan Bowen/.test(text) && /offer rescinded/.test(text) &&
      !cards(now).some((c) => actionsOf(c).some((x) => x.verb === 'tap_approve'));
  });
  log('Megan withdrew it (offer rescinded); the approval card says so');

  // 7. A batch: Alex (an approver) pastes a CSV of five rows into the
  // bulk card in his own chat; the summary names the refused rows in the checks'
  // words and offers one Send button; Irvin approves the whole batch from
  // the one bulk card in the approvers channel; the card follows the
  // issuance to "N issued, 0 failed"; Megan, the hiring manager, is told
  // once and reveals a pass of the batch.
  mark = stream.length;
  const day = new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  const rows = ['lynne.robbins@contoso.com', 'nestor.wilke@contoso.com', 'diego.siciliani@contoso.com',
    'adele.vance@contoso.com', 'johanna.lorenz@contoso.com'];
  const csv = ['upn,start,lifetime,reason,manager', ...rows.map((u) => `${u},${day},8h,onboarding,megan.bowen@contoso.com`)].join('\n');
  // The playground shows only Megan's chats, never Alex's, so Alex works
  // from a card he can see (the last approval card in the channel): each
  // answer comes back to him alone as his click's invoke answer — the
  // paste card (tap_open tap_bulk, what "bulk" posts), the summary, and
  // the Send click's answer; the shared card is not changed.
  const host = third.m;
  const opened = await click(ALEX, host, { verb: 'tap_open', data: { action: 'tap_open', value: 'tap_bulk' } });
  const pasteForm = opened?.value || {};
  const csvInput = inputsOf(pasteForm).find((i) => i.id === 'csv');
  const submitPaste = actionsOf(pasteForm).find((a) => a.verb === 'tap_bulk');
  if (!csvInput || !csvInput.isMultiline || !submitPaste) throw new Error(`the paste card: ${JSON.stringify(opened)}`);
  lastAnswers.push({ card: pasteForm });
  const pasted = await click(ALEX, host, submitPaste, { title: 'Playground hires', csv });
  const send = actionsOf(pasted?.value || {}).find((a) => a.verb === 'tap_bulk_send');
  if (!send) throw new Error(`the pasted batch has no Send button: ${JSON.stringify(pasted)}`);
  lastAnswers.push({ card: pasted.value });
  const summary = { m: host, card: pasted.value, action: send };
  const said = textOf(summary.card);
  const counts = /5 rows: (\d) ready, (\d) refused/.exec(said);
  if (!counts || Number(counts[1]) < 2 || !/row 5 \(adele\.vance@contoso\.com\)/.test(said) || !/row 6 \(johanna/.test(said)) {
    throw new Error(`batch summary: ${said}`);
  }
  const ready = Number(counts[1]);
  log(`Alex pasted 5 rows: ${ready} ready, ${counts[2]} refused ("${said.split('\n').slice(1, 3).join(' | ').slice(0, 160)}")`);
  mark = stream.length;
  const sent = await click(ALEX, summary.m, summary.action);
  if (!/Sent \d for approval/.test(textOf(sent?.value || {}))) throw new Error(`Send answered: ${JSON.stringify(sent)}`);
  const bulk = await waitFor('the bulk card in the approvers channel', () => findAction(APPROVERS, 'tap_bulk_approve', mark));
  if (!new RegExp(`${ready} passes for Playground hires`).test(textOf(bulk.card))) throw new Error(`bulk card: ${textOf(bulk.card)}`);
  await waitFor('Megan told once of her hires in the batch', () => botMessages(MEGAN_CHAT, mark)
    .some((m) => /asked for passes for \d of your new hires \(Playground hires/.test([m.message.text || '', ...cards(m).map(textOf)].join('\n'))));
  log(`one bulk card: "${textOf(bulk.card).split('\n')[0]}"; Megan was told of her hires`);
  const own = await click(ALEX, bulk.m, bulk.action);
  if (!/You sent this batch/.test(textOf(own?.value || {}))) throw new Error(`Alex approved his own batch: ${JSON.stringify(own)}`);
  mark = stream.length;
  await click(IRVIN, bulk.m, bulk.action);
  const finished = await waitFor('the bulk card to say every pass was issued', () => {
    const now = latest.get(bulk.m.message.messageId);
    const text = cards(now).map(textOf).join('\n');
    return now.seq > mark && new RegExp(`${ready} issued, 0 failed`).test(text) && text;
  });
  const progress = stream.slice(mark).filter(({ ev }) => ev.message.messageId === bulk.m.message.messageId).length;
  log(`Irvin approved all; the bulk card was redrawn ${progress} times and reads "${finished.split('\n')[1]}"`);
  const batchReveal = await waitFor('a Reveal button of the batch in Megan\'s chat', () => findAction(MEGAN_CHAT, 'tap_reveal', mark));
  const batchPass = await click(MEGAN, batchReveal.m, batchReveal.action);
  let pass3 = '';
  JSON.stringify(batchPass?.value, (k, v) => {
    if (v && v.type === 'TextRun' && v.fontType === 'Monospace' && v.text) pass3 = v.text;
    return v;
  });
  if (!pass3) throw new Error(`the batch's pass was not revealed: ${JSON.stringify(batchPass)}`);
  await sleep(500);
  for (const { raw } of stream) {
    if (raw.includes(pass3)) throw new Error('a pass of the batch appears in a posted or updated message');
  }
  log('Megan revealed a pass of the batch, in the invoke response only');

  // Every card the bot posted, updated or answered with parses with the SDK.
  const all = [...stream.flatMap(({ ev }) => cards({ message: ev.message })), ...lastAnswers.map((a) => a.card), ...denyAnswers, approved.value, card];
  let bad = 0;
  for (const c of all) {
    const problems = checkCard(c);
    if (/[\uE000\uE001]/.test(JSON.stringify(c))) problems.push('carries chat.Esc marks (U+E000/U+E001)');
    if (problems.length) {
      bad++;
      log(`card "${textOf(c).split('\n')[0]}": ${problems.join('; ')}`);
    }
  }
  if (bad) throw new Error(`${bad} of ${all.length} cards the bot sent do not parse with the Adaptive Cards SDK`);
  log(`all ${all.length} cards the bot sent parse with the Adaptive Cards SDK`);
}

try {
  await main();
  console.log('1 passed, 0 failed');
} catch (e) {
  failed = true;
  console.log(`[e2e] FAIL: ${e.stack || e}`);
  dumpLogs();
  console.log('0 passed, 1 failed');
} finally {
  stopAll();
  await sleep(300);
  if (!failed) rmSync(work, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}
