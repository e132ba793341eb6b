import { createHmac } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Target } from './model.js';
import type { Rendered } from './render.js';

/** `signal` aborts a send when the process stops; the row stays due and is sent again at the next start. */
export interface SendContext { timeoutMs: number; smtp?: { url: string; from: string }; now: number; signal: AbortSignal }

/** 企业微信 markdown content is limited to 4096 bytes, text to 2048: cut at a character, never mid-character. */
function limitBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = s;
  while (Buffer.byteLength(`${out}…`) > max) out = out.slice(0, Math.floor(out.length * 0.9));
  return `${out}…`;
}

/**
 * 钉钉 custom robot signing (加签): sign = base64(HMAC-SHA256(secret, timestamp + "\n" + secret)), URL-encoded,
 * sent with the millisecond timestamp as query parameters; DingTalk refuses a timestamp more than an hour off.
 */
export function dingtalkSignedUrl(url: string, secret: string, timestamp: number): string {
  const sign = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  const u = new URL(url);
  u.searchParams.set('timestamp', String(timestamp));
  u.searchParams.set('sign', sign);
  return u.toString();
}

async function postJson(url: string, body: unknown, ctx: SendContext): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body), signal: AbortSignal.any([AbortSignal.timeout(ctx.timeoutMs), ctx.signal]) });
  const text = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status} from ${new URL(url).host}: ${text.slice(0, 200)}`);
  try { return JSON.parse(text); } catch { return text; }
}

/** The robots answer HTTP 200 with their own error code: { errcode: 0, errmsg: "ok" } is success. */
function robotAnswer(channel: string, answer: unknown): void {
  const a = answer as { errcode?: number; errmsg?: string } | null;
  if (typeof a !== 'object' || a === null || a.errcode !== 0) throw new Error(`${channel} robot refused: ${JSON.stringify(answer).slice(0, 200)}`);
}

const transports = new Map<string, Transporter>();

/** Sends one rendered message on one channel; throws with the receiver's reason on failure (the dispatcher retries). */
export async function send(target: Target, msg: Rendered, webhookBody: unknown, ctx: SendContext): Promise<void> {
  switch (target.channel) {
    case 'webhook':
      await postJson(target.url, webhookBody, ctx);
      return;
    case 'wecom': {
      const body = target.format === 'text'
        ? { msgtype: 'text', text: { content: limitBytes(msg.text, 2048) } }
        : { msgtype: 'markdown', markdown: { content: limitBytes(msg.markdown, 4096) } };
      robotAnswer('wecom', await postJson(target.url, body, ctx));
      return;
    }
    case 'dingtalk': {
      const url = target.secret ? dingtalkSignedUrl(target.url, target.secret, ctx.now) : target.url;
      robotAnswer('dingtalk', await postJson(url, { msgtype: 'markdown', markdown: { title: msg.title, text: msg.markdown } }, ctx));
      return;
    }
    case 'email': {
      if (!ctx.smtp) throw new Error('e-mail is not configured: set PILOTHUB_SMTP_URL and PILOTHUB_SMTP_FROM');
      let transport = transports.get(ctx.smtp.url);
      if (!transport) {
        transport = nodemailer.createTransport({ url: ctx.smtp.url, connectionTimeout: ctx.timeoutMs, greetingTimeout: ctx.timeoutMs, socketTimeout: ctx.timeoutMs });
        transports.set(ctx.smtp.url, transport);
      }
      await transport.sendMail({ from: ctx.smtp.from, to: target.to, subject: msg.title, text: msg.text, html: msg.html });
    }
  }
}
