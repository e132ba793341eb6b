import { t, type Language } from '../common/i18n/index.js';
import { utcOffset, wallClock } from '../common/i18n/format.js';

/** An instant named in a message: shown in the laboratory's time zone and the reader's language. */
export class Instant {
  constructor(readonly ms: number) {}
}
export const instant = (ms: number) => new Instant(ms);

/** Values of an API enum named in a message (booking statuses, roles): worded from the catalog's `group.value`. */
export class Terms {
  constructor(readonly group: string, readonly values: string[]) {}
}
export const terms = (group: string, ...values: string[]) => new Terms(group, values);

export type MessageVars = Record<string, string | number | Instant | Terms>;
/** A human message by catalog key (`errors.<code>`): the key's last part is the stable machine `code` clients test. */
export interface Message { code: string; vars?: MessageVars }

const pad = (n: number) => String(n).padStart(2, '0');
/** "2026-12-08 18:00 UTC+08:00": the lab's wall time with its offset, unambiguous in every language. */
export function labTime(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)} ${utcOffset(timeZone, ms)}`;
}

/** Renders a catalog message for a reader, instants in the laboratory's zone. */
export function renderMessage(lang: Language, timeZone: string, m: Message): string {
  const vars = Object.fromEntries(Object.entries(m.vars ?? {}).map(([k, v]) =>
    [k, v instanceof Instant ? labTime(v.ms, timeZone) : v instanceof Terms ? v.values.map((x) => t(lang, `${v.group}.${x}`)).join(' / ') : v]));
  return t(lang, `errors.${m.code}`, vars);
}

/**
 * An error with an HTTP status and a reason a client can act on; the one error handler renders it. Given a
 * `Message`, the handler words it in the request's language (Accept-Language); given plain text (older call sites),
 * the text is sent as written under a generic code for the status.
 */
export class ApiError extends Error {
  readonly code: string | undefined;
  readonly vars: MessageVars | undefined;
  constructor(readonly statusCode: number, message: string | Message, readonly details?: Record<string, unknown>) {
    super(typeof message === 'string' ? message : renderMessage('en', 'UTC', message));
    this.name = 'ApiError';
    if (typeof message !== 'string') { this.code = message.code; this.vars = message.vars; }
  }
}

export const notFound = (message: string | Message) => new ApiError(404, message);
export const badRequest = (message: string | Message, field?: string) => new ApiError(400, message, field ? { field } : undefined);
