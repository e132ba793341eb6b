import { z } from 'zod';
import { Severity } from '../alarms/model.js';

const HttpUrl = z.url({ protocol: /^https?$/, message: 'validation.httpUrl' }).max(2000);

export const Target = z.discriminatedUnion('channel', [
  z.strictObject({ channel: z.literal('webhook'), url: HttpUrl.describe('receives a JSON POST: { events, text, language }') }),
  z.strictObject({ channel: z.literal('email'), to: z.email().max(320) }),
  z.strictObject({
    channel: z.literal('wecom'), url: HttpUrl.describe('企业微信 group robot: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…'),
    format: z.enum(['markdown', 'text']).default('markdown'),
  }),
  z.strictObject({
    channel: z.literal('dingtalk'), url: HttpUrl.describe('钉钉 custom robot: https://oapi.dingtalk.com/robot/send?access_token=…'),
    secret: z.string().min(1).max(200).optional().describe('the robot\'s signing secret (加签, SEC…); answered as "***"'),
  }),
]).meta({ id: 'NotificationTarget' });
export type Target = z.infer<typeof Target>;
export type Channel = Target['channel'];

export const Subscription = z.object({
  id: z.string(), userId: z.string(),
  equipmentId: z.string().nullable().describe('null: every piece of equipment the person may see'),
  target: Target, minSeverity: Severity, enabled: z.boolean(), createdAt: z.number().int(), updatedAt: z.number().int(),
}).meta({ id: 'NotificationSubscription' });
export type Subscription = z.infer<typeof Subscription>;

export const DeliveryState = z.enum(['grouping', 'pending', 'sending', 'sent', 'failed', 'suppressed']);
export const NotificationEvent = z.object({
  alarmId: z.string(),
  transition: z.enum(['raised', 'returned', 'cleared', 'unshelved']).describe('unshelved: the shelf expired while the alarm was still active'),
  at: z.number().int(),
});
export type NotificationEvent = z.infer<typeof NotificationEvent>;

export const Delivery = z.object({
  id: z.string(), subscriptionId: z.string(), channel: z.string(), events: z.array(NotificationEvent),
  state: DeliveryState.describe('grouping: collecting alarms raised close together; pending: waiting for its (next) attempt; failed: gave up after the last retry'),
  attempts: z.number().int(), nextAttemptAt: z.number().int(), lastError: z.string().nullable(),
  createdAt: z.number().int(), sentAt: z.number().int().nullable(),
}).meta({ id: 'NotificationDelivery' });
export type Delivery = z.infer<typeof Delivery>;

export interface NotificationSettings {
  /** Transitions within this long of the first one go out as one message. */
  groupMs: number;
  /** At most `maxPerWindow` messages per subscription per `rateWindowMs`; later transitions wait, grouped, for room. */
  rateWindowMs: number;
  maxPerWindow: number;
  maxAttempts: number;
  /** Retry n waits retryBaseMs·2^(n-1), at most retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  pollMs: number;
  requestTimeoutMs: number;
  /** smtp://user:pass@host:port (PILOTHUB_SMTP_URL) and the sender (PILOTHUB_SMTP_FROM); e-mail fails visibly without it. */
  smtp?: { url: string; from: string };
  /** The dashboard's address for links in messages (PILOTHUB_PUBLIC_URL). */
  publicUrl?: string;
}

export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  groupMs: 3000, rateWindowMs: 10 * 60_000, maxPerWindow: 5, maxAttempts: 6, retryBaseMs: 5000, retryMaxMs: 10 * 60_000, pollMs: 500, requestTimeoutMs: 10_000,
};

/** SMTP and public URL from the environment; a half-set SMTP (URL without sender) stops the start naming the variable. */
export function notificationSettingsFromEnv(env: NodeJS.ProcessEnv): Partial<NotificationSettings> {
  const url = env.PILOTHUB_SMTP_URL;
  if (url && !env.PILOTHUB_SMTP_FROM) throw new Error('PILOTHUB_SMTP_FROM must be set with PILOTHUB_SMTP_URL: the sender address of alarm e-mails');
  return { ...(url ? { smtp: { url, from: env.PILOTHUB_SMTP_FROM! } } : {}), ...(env.PILOTHUB_PUBLIC_URL ? { publicUrl: env.PILOTHUB_PUBLIC_URL } : {}) };
}
