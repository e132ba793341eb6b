import { readFileSync } from 'node:fs';
import IntlMessageFormat from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { catalogs, LANGUAGES } from '../common/i18n/index.js';

/** Every key of a nested catalog, dotted. */
function keys(node: Record<string, unknown>, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(node)) {
    if (typeof v === 'string') out.set(`${prefix}${k}`, v);
    else for (const [kk, vv] of keys(v as Record<string, unknown>, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}
const en = keys(catalogs.en);
const zh = keys(catalogs['zh-CN']);

// Words that are the same in both languages on purpose: language names in themselves, placeholders-only messages.
const SAME_IN_BOTH = new Set(['language.en', 'language.zh-CN', 'runs.reportLink', 'validation.custom', 'report.nowLabel', 'calendar.slotLabel']);

describe('message catalogs (issue 14)', () => {
  it('have the same keys in en and zh-CN', () => {
    expect([...zh.keys()].filter((k) => !en.has(k)), 'keys only in zh-CN').toEqual([]);
    expect([...en.keys()].filter((k) => !zh.has(k)), 'keys only in en').toEqual([]);
  });

  it('hold valid ICU messages with the same placeholders in both languages', () => {
    const placeholders = (lang: string, s: string) => {
      const found = new Set<string>();
      const walk = (els: unknown[]) => {
        for (const el of els as { type: number; value?: string; options?: Record<string, { value: unknown[] }> }[]) {
          if (el.type !== 0 && el.type !== 7 && el.value) found.add(el.value);
          for (const o of Object.values(el.options ?? {})) walk(o.value);
        }
      };
      walk(new IntlMessageFormat(s, lang, undefined, { ignoreTag: true }).getAst());
      return [...found].sort();
    };
    for (const [k, v] of en) expect(placeholders('zh-CN', zh.get(k)!), k).toEqual(placeholders('en', v));
  });

  it('translate every message: zh-CN text is Chinese', () => {
    const untranslated = [...zh].filter(([k, v]) => !SAME_IN_BOTH.has(k) && /[A-Za-z]{3}/.test(v.replace(/\{[^}]*\}/g, '')) && !/[\u4e00-\u9fff]/.test(v)).map(([k]) => k);
    expect(untranslated).toEqual([]);
  });

  it('follow the glossary in docs/glossary.md', () => {
    const rows = readFileSync(new URL('../docs/glossary.md', import.meta.url), 'utf8').split('\n')
      .filter((l) => /^\|[^-|]/.test(l) && !l.startsWith('| English')).map((l) => l.split('|').map((c) => c.trim()));
    expect(rows.length).toBeGreaterThan(10);
    const all = [...zh.values()].join('\n');
    for (const [, english, term, avoid] of rows) {
      expect(all, `glossary term ${term} (${english}) is not used`).toContain(term);
      for (const word of avoid!.split(',').map((w) => w.trim()).filter(Boolean)) {
        expect([...zh].filter(([, v]) => v.includes(word)).map(([k]) => k), `"${word}" instead of ${term}`).toEqual([]);
      }
    }
    expect(LANGUAGES).toEqual(['en', 'zh-CN']);
  });
});
