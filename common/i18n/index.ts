import i18next, { type i18n } from 'i18next';
import ICU from 'i18next-icu';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };

/**
 * The one message catalog per language, shared by the dashboard (bundled by esbuild), the report templates and the
 * API's human messages. i18next with i18next-icu: messages are ICU MessageFormat (`{count, plural, other {# points}}`,
 * `{value, number}`), formatted by intl-messageformat on the platform's Intl, so plurals and numbers follow CLDR
 * for each language instead of hand-written rules. No Node import here: web code imports this file too.
 */
export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

export const catalogs: Record<Language, Record<string, unknown>> = { en, 'zh-CN': zhCN };

export type Vars = Record<string, string | number | Date | null | undefined>;

let instance: i18n | undefined;

/** One i18next instance holds both catalogs; `t(lang, …)` picks the language per call, so concurrent requests never share state. */
function catalog(): i18n {
  if (instance) return instance;
  const created = i18next.createInstance();
  created.use(ICU).init({
    resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
    lng: DEFAULT_LANGUAGE, fallbackLng: false, supportedLngs: [...LANGUAGES], initAsync: false,
    returnNull: false, interpolation: { escapeValue: false },
  });
  return (instance = created);
}

export const isLanguage = (s: unknown): s is Language => typeof s === 'string' && (LANGUAGES as readonly string[]).includes(s);

/** The message `key` in `lang`; a missing key shows itself (`errors.foo`), which the catalog tests prevent. */
export function t(lang: Language, key: string, vars: Vars = {}): string {
  return catalog().getFixedT(lang)(key, vars as Record<string, unknown>) as string;
}

export const hasKey = (key: string, lang: Language = DEFAULT_LANGUAGE) => catalog().exists(key, { lng: lang });

/**
 * The language to answer in from an `Accept-Language` header (RFC 9110 §12.5.4): the first supported tag by
 * quality; any `zh` tag (zh, zh-CN, zh-Hans …) means zh-CN, any `en` tag means en; otherwise the default.
 */
export function negotiateLanguage(header: string | undefined | null, fallback: Language = DEFAULT_LANGUAGE): Language {
  if (!header) return fallback;
  const ranked = header.split(',').map((part, i) => {
    const [tag = '', ...params] = part.trim().split(';');
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? 1);
    return { tag: tag.toLowerCase(), q: Number.isFinite(q) ? q : 0, i };
  }).filter((x) => x.q > 0).sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return fallback;
}
