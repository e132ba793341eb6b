import { fromWallClock, wallClock } from '../../common/i18n/format.js';
import { locale } from './i18n.js';

/** `datetime-local` holds a wall time without a zone: it is read and written in the laboratory's zone. */
const pad = (n: number) => String(n).padStart(2, '0');
export const toLocalInput = (at: number) => { const w = wallClock(at, locale.timeZone); return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`; };
export function fromLocalInput(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(s);
  return m ? fromWallClock(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), locale.timeZone) : NaN;
}
/** An empty or unreadable input is sent as typed, so the API's field error names it rather than the UI guessing. */
export const isoOrRaw = (s: string) => (Number.isNaN(fromLocalInput(s)) ? s : new Date(fromLocalInput(s)).toISOString());
/** A `date` input's value for an instant (the lab's calendar day), and back (the lab's midnight). */
export const toDateInput = (at: number | null) => (at === null ? '' : toLocalInput(at).slice(0, 10));
export const fromDateInput = (s: string) => (s ? fromLocalInput(s) : null);
