// playground.mjs talks to a running Microsoft 365 Agents Playground the way
// its web UI does: it reads every message the bot posts or updates from the
// WebSocket stream and acts as the people of ../../.m365agentsplayground.yml
// through the playground's HTTP API. Used by e2e.mjs and act.mjs.
import WebSocket from 'ws';

// The people and conversations of ../../.m365agentsplayground.yml.
export const TENANT = '6f0e3c4a-7b1d-4c2e-9a8f-3d5b7e9c1a20';
export const BOT = { id: '28:tapbot-local', name: 'tapbot' };
export const MEGAN = { id: '29:megan-bowen', name: 'Megan Bowen', aadObjectId: 'a1f4c1e2-0000-4000-8000-000000000001' };
export const ALEX = { id: '29:alex-wilber', name: 'Alex Wilber', aadObjectId: 'a1f4c1e2-0000-4000-8000-000000000002' };
export const IRVIN = { id: '29:irvin-sayers', name: 'Irvin Sayers', aadObjectId: 'a1f4c1e2-0000-4000-8000-000000000003' };
export const SARAH = { id: '29:sarah-johnson', name: 'Sarah Johnson', aadObjectId: 'a1f4c1e2-0000-4000-8000-000000000004' };
export const DIEGO = { id: '29:diego-siciliani', name: 'Diego Siciliani', aadObjectId: 'a1f4c1e2-0000-4000-8000-000000000005' };
export const MEGAN_CHAT = 'a:tapbot-megan-bowen';
export const APPROVERS = 'tapbot-approvers';
export const SARAH_EMAIL = 'sarah.johnson@contoso.com';

export async function http(method, url, body) {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  try { return text ? JSON.parse(text) : {}; } catch { return text; }
}

// ---- the playground's view of the chats, from its WebSocket stream ----

export const stream = []; // every createMessage / updateMessage event, in order
export const latest = new Map(); // messageId -> { conv, message } (current content)

export function connectStream(port) {
  return new Promise((resolveWS, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/_ws_conversation/v1/conversations/stream`);
    ws.on('open', () => resolveWS(ws));
    ws.on('error', (e) => reject(new Error(`websocket: ${e.message || 'error'}`)));
    ws.on('message', (data) => {
      const raw = String(data);
      let ev;
      try { ev = JSON.parse(raw); } catch { return; }
      if (!ev.message || !ev.message.messageId) return;
      stream.push({ raw, ev });
      const prev = latest.get(ev.message.messageId);
      latest.set(ev.message.messageId, {
        conv: ev.actionConversationId || prev?.conv,
        post: ev.message.postConversationId || prev?.post,
        message: ev.message,
        seq: stream.length,
      });
    });
  });
}

export const baseConv = (id) => String(id || '').split(';')[0];
export const fromBot = (m) => m.message.from?.id === BOT.id;

export function cards(m) {
  return (m.message.attachments || [])
    .filter((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')
    .map((a) => a.content);
}

// actionsOf lists the Action.Execute actions of a card, ShowCards included.
export function actionsOf(card) {
  const out = [];
  const walk = (acts) => {
    for (const a of acts || []) {
      if (a.type === 'Action.Execute') out.push(a);
      if (a.type === 'Action.ShowCard') walk(a.card?.actions);
    }
  };
  walk(card.actions);
  return out;
}

export function textOf(card) {
  const parts = [];
  const walk = (o) => {
    if (Array.isArray(o)) return o.forEach(walk);
    if (o && typeof o === 'object') {
      if (typeof o.text === 'string') parts.push(o.text);
      if (typeof o.title === 'string') parts.push(o.title);
      if (typeof o.value === 'string') parts.push(o.value);
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return parts.join('\n');
}

export function inputsOf(card) {
  const out = [];
  const walk = (o) => {
    if (Array.isArray(o)) return o.forEach(walk);
    if (o && typeof o === 'object') {
      if (typeof o.type === 'string' && o.type.startsWith('Input.')) out.push(o);
      Object.values(o).forEach(walk);
    }
  };
  walk(card.body);
  return out;
}

// botMessages returns the bot's messages in a conversation (current content).
export function botMessages(conv, sinceSeq = 0) {
  return [...latest.values()]
    .filter((m) => fromBot(m) && baseConv(m.conv) === baseConv(conv) && m.seq > sinceSeq)
    .sort((a, b) => a.seq - b.seq);
}

export function findAction(conv, verb, sinceSeq = 0) {
  for (const m of botMessages(conv, sinceSeq).reverse()) {
    for (const c of cards(m)) {
      const a = actionsOf(c).find((x) => x.verb === verb);
      if (a) return { m, card: c, action: a };
    }
  }
  return null;
}

// ---- acting as people, through the playground's API ----

let PG = 'http://127.0.0.1:56150';

// usePlayground sets the playground's base URL.
export function usePlayground(base) { PG = base; }

export async function say(conv, text) {
  return http('POST', `${PG}/_conversation/v1/conversations/${encodeURIComponent(conv)}/messages`,
    { from: { id: MEGAN.id }, text, textFormat: 'plain' });
}

// click sends an Action.Execute as user on message m (what the web UI does
// on a click); inputs are merged into data like a client does.
export async function click(user, m, action, inputs = {}) {
  const conv = m.post || m.conv;
  return http('POST', `${PG}/_conversation/v1/invoke`, {
    name: 'adaptiveCard/action',
    from: { id: user.id },
    conversation: { id: conv },
    replyToId: m.message.messageId,
    value: { action: { type: 'Action.Execute', verb: action.verb, data: { ...(action.data || {}), ...inputs } } },
  });
}

// formDefaults fills a form's inputs the way a person would.
export function formDefaults(card) {
  const data = {};
  const tomorrow = new Date(Date.now() + 24 * 3600 * 1000).toISOString().slice(0, 10);
  for (const i of inputsOf(card)) {
    if (i.value !== undefined && i.value !== '') { data[i.id] = String(i.value); continue; }
    switch (i.type) {
      case 'Input.Date': data[i.id] = tomorrow; break;
      case 'Input.Time': data[i.id] = '07:00'; break;
      case 'Input.Number': data[i.id] = '480'; break;
      case 'Input.Toggle': data[i.id] = 'false'; break;
      case 'Input.ChoiceSet': data[i.id] = i.choices?.[0]?.value ?? ''; break;
      default:
        if (/target|hire|user|mail|who/i.test(i.id)) data[i.id] = SARAH_EMAIL;
        else if (/reason/i.test(i.id)) data[i.id] = 'onboarding';
        else if (/lifetime|hours|minutes/i.test(i.id)) data[i.id] = '8 hours';
        else data[i.id] = 'New hire starting Monday';
    }
  }
  return data;
}

// personalChat returns (creating it in the playground's connector) the 1:1
// conversation of user with the bot; the playground's UI only has the
// current user's.
export async function personalChat(user) {
  return (await http('POST', `${PG}/_connector/v3/conversations`, {
    isGroup: false, bot: { id: BOT.id }, members: [{ id: user.id }], tenantId: TENANT,
  })).id;
}

// sayAs sends text as user in their own 1:1 chat with the bot, as a custom
// activity (the playground's "Mock an Activity").
export async function sayAs(user, text, serviceUrl) {
  const conv = await personalChat(user);
  await http('POST', `${PG}/_internal/v1/customActivities`, {
    type: 'message', id: crypto.randomUUID(), text, textFormat: 'plain', channelId: 'msteams',
    serviceUrl, timestamp: new Date().toISOString(),
    from: user, recipient: BOT,
    conversation: { id: conv, conversationType: 'personal', tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
  });
  return conv;
}
