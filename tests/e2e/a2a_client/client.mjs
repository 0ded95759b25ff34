// Calls a CESS agent hub gateway with the @a2a-js/sdk client (an A2A client written by others):
//   node client.mjs <gateway url> [skill] [text]
// Fetches the hub's card from /.well-known/agent-card.json with the SDK's ClientFactory, sends one
// message naming `skill` in params.metadata, then streams the same message, and prints one JSON
// line: {"card":{name,url,skills}, "kind", "reply", "streamKinds":[...], "streamText"}.
import { ClientFactory } from '@a2a-js/sdk/client';
import { randomUUID } from 'node:crypto';

const [, , base, skill = 'upper', text = 'hello from the a2a js sdk'] = process.argv;
if (!base) {
  console.error('usage: node client.mjs <gateway url> [skill] [text]');
  process.exit(2);
}

function partsText(parts) {
  return (parts || []).filter((p) => p.kind === 'text').map((p) => p.text).join('');
}

// The text of a SendMessage result: a Message's parts, or a Task's artifacts (else its status message).
function resultText(r) {
  if (r.kind === 'message') return partsText(r.parts);
  const arts = (r.artifacts || []).map((a) => partsText(a.parts)).filter((t) => t.length > 0);
  if (arts.length > 0) return arts.join('\n');
  return r.status && r.status.message ? partsText(r.status.message.parts) : '';
}

function message(t) {
  return { kind: 'message', messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: t }] };
}

const factory = new ClientFactory();
const client = await factory.createFromUrl(base);
const cardResp = await fetch(new URL('/.well-known/agent-card.json', base));
const card = await cardResp.json();

const result = await client.sendMessage({ message: message(text), metadata: { skill } });

const streamKinds = [];
const words = [];
for await (const ev of client.sendMessageStream({ message: message(text), metadata: { skill } })) {
  streamKinds.push(ev.kind);
  if (ev.kind === 'artifact-update') words.push(partsText(ev.artifact.parts));
}

console.log(JSON.stringify({
  card: { name: card.name, url: card.url, skills: (card.skills || []).map((s) => s.id) },
  kind: result.kind,
  reply: resultText(result),
  streamKinds,
  streamText: words.join(''),  // artifact chunks append
}));
