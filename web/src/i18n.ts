import { formatDate, formatDateTime, formatWith } from '../../common/i18n/format.js';
import { DEFAULT_LANGUAGE, LANGUAGES, negotiateLanguage, t as translate, type Language, type Vars } from '../../common/i18n/index.js';

export { LANGUAGES, type Language };

/**
 * The dashboard's language and the laboratory's time zone. The language is the user's saved choice
 * (PATCH /api/v1/me), else the browser's; the zone comes from GET /api/v1/config (PILOTHUB_TIME_ZONE).
 * Pages call `t('key', vars)` for every word they show: the catalogs live in common/i18n/locales/.
 */
export const locale = {
  // Node (unit tests of formatting helpers) has no navigator before version 21.
  language: typeof navigator === 'undefined' ? DEFAULT_LANGUAGE : negotiateLanguage(navigator.languages?.join(',') || navigator.language),
  timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
};

export const t = (key: string, vars?: Vars) => translate(locale.language, key, vars);

export function setLanguage(language: Language): void {
  locale.language = language;
  document.documentElement.lang = language;
}

const isNone = (x: unknown): x is null | undefined => x === null || x === undefined;
/** Date and time in the lab's zone ("—" for none). */
export const fmtTime = (x: number | string | null | undefined) => (isNone(x) ? '—' : formatDateTime(new Date(x).getTime(), locale.language, locale.timeZone));
export const fmtDate = (x: number | string | null | undefined) => (isNone(x) ? '—' : formatDate(new Date(x).getTime(), locale.language, locale.timeZone));
export const fmtDay = (x: number) => formatWith(x, locale.language, locale.timeZone, { weekday: 'short', month: 'short', day: 'numeric' });
/** A catalog word for an API enum value (status, role …); an unknown value shows as sent. */
export const term = (group: string, value: string) => { const key = `${group}.${value}`; const s = t(key); return s === key ? value : s; };
