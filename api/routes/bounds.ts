import { z } from 'zod';

/**
 * Every range and list a request may ask for, in one place (issue #12 "one request can freeze the hub"): the API
 * answers on one thread, so an unbounded window or list lets one request hold it for minutes (free slots over
 * years 0000-9999 for 50 ids took ~100 s and answered 94 MB). Each bound is generous for a person and cheap for
 * the hub; a request beyond it is refused with 400 naming the parameter and the bound.
 */
export const DAY_MS = 86_400_000;

/**
 * GET /api/v1/free-slots: a quarter per request (a planner looking further asks quarter by quarter). The dearest
 * request accepted (50 ids, working hours in a daylight-saving zone, bookings) held the thread ~20 ms here.
 */
export const FREE_SLOTS_MAX_DAYS = 92;
/** GET /api/v1/free-slots: distinct equipment ids per request. */
export const FREE_SLOTS_MAX_EQUIPMENT = 50;

/** Windows of the record lists (bookings, audit; runs: see below): a year and a day covers any billing year. */
export const LIST_MAX_DAYS = 366;
/** The most rows one `limit` may ask for (audit, bookings). */
export const LIST_MAX_LIMIT = 10_000;

/**
 * GET /api/v1/runs: the most runs one page (`limit`) may hold, each with its outages read, and the most run ids
 * GET /api/v1/reports takes in `runs` (a page's reports in one request).
 */
export const RUNS_MAX_LIMIT = 200;

/** POST /api/v1/auth/login: failed sign-ins from one address, whatever the account, per window (password spraying). */
export const LOGIN_FAILURES_PER_ADDRESS = 30;
export const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000;

/**
 * For routes other people change, to apply there (issue #12): GET /api/v1/runs takes `.superRefine(windowWithin(LIST_MAX_DAYS))`
 * on RunQuery; history's aggregate check (its literal 100_000) becomes HISTORY_MAX_BUCKETS; run statistics' `parameter`
 * list becomes `distinctList(Identifier, REPORT_MAX_PARAMETERS)` like the report body's.
 */
export const HISTORY_MAX_BUCKETS = 100_000;
export const REPORT_MAX_PARAMETERS = 200;

/** `a,b,c` → ["a","b","c"]: each checked by `item`, distinct (a repeat costs the same work twice), at most `max`. */
export function distinctList<T extends z.ZodType<string, string>>(item: T, max: number) {
  return z.string().min(1).transform((s) => s.split(',')).pipe(z.array(item).min(1).max(max)
    .refine((xs) => new Set(xs).size === xs.length, 'validation.noRepeats'));
}

const days = (ms: number) => Math.round(ms / DAY_MS * 100) / 100;

/**
 * A query's `from`/`to` (ISO, validated by their own schemas): `to` after `from`, at most `maxDays` apart.
 * Only when both are given: lists without a window keep their meaning (everything), bounded by their own limits.
 */
export function windowWithin(maxDays: number) {
  return (q: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx) => {
    if (q.from === undefined || q.to === undefined) return;
    const span = Date.parse(q.to) - Date.parse(q.from);
    if (Number.isNaN(span)) return;
    if (span <= 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'validation.afterFrom' });
    else if (span > maxDays * DAY_MS) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'validation.windowTooLong', params: { maxDays, days: days(span) } });
    }
  };
}
