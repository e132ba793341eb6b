import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { SMTPServer } from 'smtp-server';
import { teardown } from './teardown.js';

export interface Received { path: string; query: URLSearchParams; body: any }

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

/**
 * A real HTTP receiver on a free loopback port that records every POST and answers what `answer` says; the robots'
 * receivers answer like the real ones ({ errcode: 0, errmsg: "ok" }, or an errcode naming what was wrong).
 * `answerAfterMs` holds each answer that long after recording the request (a slow receiver: a send stays in flight).
 */
export async function httpReceiver(answer: (r: Received) => { status: number; body: unknown } = () => ({ status: 200, body: { ok: true } }), answerAfterMs = 0) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      let body: unknown = text;
      try { body = JSON.parse(text); } catch { /* kept as text */ }
      const r = { path: url.pathname, query: url.searchParams, body };
      received.push(r);
      const a = answer(r);
      setTimeout(() => res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body)), answerAfterMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, received };
}

/** 企业微信 group robot: accepts only { msgtype: "markdown", markdown: { content } } or { msgtype: "text", text: { content } }. */
export const wecomAnswer = (r: Received) => {
  const b = r.body as { msgtype?: string; markdown?: { content?: unknown }; text?: { content?: unknown } };
  const ok = typeof r.query.get('key') === 'string' && ((b.msgtype === 'markdown' && typeof b.markdown?.content === 'string') || (b.msgtype === 'text' && typeof b.text?.content === 'string'));
  return { status: 200, body: ok ? { errcode: 0, errmsg: 'ok' } : { errcode: 40008, errmsg: 'invalid message type' } };
};

/** 钉钉 custom robot with signing: checks timestamp (within an hour) and sign, then { msgtype: "markdown", markdown: { title, text } }. */
export const dingtalkAnswer = (secret: string) => (r: Received) => {
  const timestamp = r.query.get('timestamp') ?? '';
  const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  if (r.query.get('sign') !== expected || Math.abs(Date.now() - Number(timestamp)) > 3_600_000) return { status: 200, body: { errcode: 310000, errmsg: 'sign not match' } };
  const b = r.body as { msgtype?: string; markdown?: { title?: unknown; text?: unknown } };
  const ok = b.msgtype === 'markdown' && typeof b.markdown?.title === 'string' && typeof b.markdown.text === 'string';
  return { status: 200, body: ok ? { errcode: 0, errmsg: 'ok' } : { errcode: 40035, errmsg: 'missing parameter' } };
};

/** A real SMTP server (smtp-server) on a free loopback port, without TLS or authentication, keeping every message. */
export async function smtpReceiver() {
  const mails: { from: string; to: string[]; raw: string }[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => { raw += c.toString('utf8'); });
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.server.address() as { port: number };
  return { url: `smtp://127.0.0.1:${address.port}`, mails };
}
