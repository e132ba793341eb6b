import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalogs } from '../common/i18n/index.js';

const WEB_SRC = fileURLToPath(new URL('../web/src/', import.meta.url));

/** Literal text a dashboard source shows a person, rather than a catalog key (issue 14). */
interface Finding { line: number; text: string; where: string }

// Calls whose string arguments reach the page as text: children of h(), dom.ts's replace(), DOM append()/prepend(),
// errors shown by errorBox(), form field labels (a method call is named with its dot: ".replace" is String's). Object properties that browsers show: title, placeholder, aria-label, label.
const TEXT_CALLS = new Set(['h', 'replace', 'append', '.append', '.prepend', 'Error', 'field', 'alert', 'confirm']);
// Up to the literal on its line, a conditional included (`title: ok ? 'a' : 'b'`, `el.textContent = ok ? 'a' : 'b'`).
const TEXT_PROPS = /(?:^|[\s{,])['"]?(title|placeholder|aria-label|label|alt|empty)['"]?\s*:[^,{}]*$/;
const TEXT_ASSIGN = /\.(textContent|innerText|innerHTML|title|placeholder)\s*=(?!=)[^;]*$/;
// Not words a person reads: the brand, and technical tokens shown as they are.
const ALLOWED = new Set(['pilothub', ' sha256 ']);

/** Catalog keys (`t('board.title')`, `t(\`status.${s}\`)`) are what pages should hold. */
const catalogKeys = (node: Record<string, unknown>, prefix = ''): string[] =>
  Object.entries(node).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : catalogKeys(v as Record<string, unknown>, `${prefix}${k}.`)));
const KEYS = catalogKeys(catalogs.en);
const isKey = (text: string) => KEYS.includes(text) || KEYS.some((k) => k.startsWith(`${text}.`)) || (/^[\w-]+(\.[\w-]+)*\.\$\{\}$/.test(text) && KEYS.some((k) => k.startsWith(text.slice(0, -3))));

/**
 * A small scanner over TypeScript source: it walks string and template literals (template expressions included),
 * keeping the stack of open calls, and reports a literal holding a Latin word when it is an argument of a text call
 * (not h()'s tag name or its attribute object), the value of a text property, or assigned to textContent & co.
 */
function findLiteralText(source: string): Finding[] {
  const found: Finding[] = [];
  const calls: { name: string; arg: number; braces: number }[] = [];
  let braces = 0;
  let i = 0;
  const lineAt = (at: number) => source.slice(0, at).split('\n').length;
  const report = (start: number, text: string, before: string) => {
    const statics = text.replace(/\$\{[^}]*\}/g, ' ');
    // A compared value (`status === 'busy'`) is data, not text.
    if (!/[A-Za-z]{2,}/.test(statics) || ALLOWED.has(text) || isKey(text) || /[=!]==?\s*$/.test(before) || /^\s*[=!]==?/.test(source.slice(i))) return;
    const call = calls.at(-1);
    const inTextCall = call && TEXT_CALLS.has(call.name) && braces === call.braces && !(call.name === 'h' && call.arg === 0);
    if (inTextCall || TEXT_PROPS.test(before) || TEXT_ASSIGN.test(before)) found.push({ line: lineAt(start), text, where: inTextCall ? `${call!.name}()` : before.trim().slice(-24) });
  };
  const readString = (quote: string): string => {
    i++;
    let out = '';
    while (i < source.length && source[i] !== quote) {
      if (source[i] === '\\') { out += source[i + 1]; i += 2; continue; }
      if (quote === '`' && source[i] === '$' && source[i + 1] === '{') {
        // A template expression: scanned like code (its own calls and strings), shown as ${} in the literal.
        let depth = 1;
        i += 2;
        const exprStart = i;
        while (i < source.length && depth > 0) {
          const c = source[i]!;
          if (c === '{') depth++;
          else if (c === '}') depth--;
          else if (c === "'" || c === '"' || c === '`') { readString(c); continue; }
          if (depth > 0) i++;
        }
        scan(source.slice(exprStart, i), exprStart);
        i++;
        out += '${}';
        continue;
      }
      out += source[i++];
    }
    i++;
    return out;
  };
  const scan = (code: string, offset: number) => {
    // Template expressions are scanned with a fresh call stack: their calls are their own.
    const sub = findLiteralText(code);
    for (const f of sub) found.push({ ...f, line: lineAt(offset) + f.line - 1 });
  };
  while (i < source.length) {
    const c = source[i]!;
    if (c === '/' && source[i + 1] === '/') { i = source.indexOf('\n', i); if (i < 0) break; continue; }
    if (c === '/' && source[i + 1] === '*') { i = source.indexOf('*/', i) + 2; continue; }
    if (c === "'" || c === '"' || c === '`') {
      const start = i;
      const lineStart = source.lastIndexOf('\n', start) + 1;
      const before = source.slice(lineStart, start);
      const text = readString(c);
      if (!/^\s*(import|export)\b.*\bfrom\s*$|^\s*import\s*$/.test(before)) report(start, text, before);
      continue;
    }
    if (c === '(') {
      const m = /(\.?)([A-Za-z_$][\w$]*)\s*$/.exec(source.slice(Math.max(0, i - 40), i));
      const name = m ? `${m[1]}${m[2]}` : '';
      calls.push({ name, arg: 0, braces });
    } else if (c === ')') calls.pop();
    else if (c === ',' && calls.at(-1)?.braces === braces) calls.at(-1)!.arg++;
    else if (c === '{' || c === '[') braces++;
    else if (c === '}' || c === ']') braces--;
    i++;
  }
  return found;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));
}

/**
 * Preact components (.tsx) are scanned as the hyperscript their JSX stands for: text children become arguments of
 * h() and attributes an object, so `<p>Saved</p>` and `placeholder="name"` are found like `h('p', null, 'Saved')`.
 */
const asScannable = (file: string, source: string) => (file.endsWith('.tsx')
  ? transformSync(source, { loader: 'tsx', jsx: 'transform', jsxFactory: 'h', jsxFragment: 'Fragment', charset: 'utf8', sourcefile: file }).code
  : source);

describe('dashboard sources show no literal text (issue 14)', () => {
  it('finds text written into a page in a regression sample', () => {
    const sample = [
      "const a = h('p', { class: 'muted' }, 'No runs yet.');",
      "el.textContent = connected ? 'live' : 'reconnecting…';",
      "const b = h('input', { name: 'method', placeholder: 'method / recipe' });",
      "const c = h('button', { 'aria-label': 'next week' }, t('calendar.next'));",
      "throw new Error(`no page ${path}`);",
      "const d = h('span', null, `${n} points, sha256 `);",
      "const e = h('td', null, term('status', s), h('a', { href: `#/equipment/${id}`, class: 'report-link' }, t('x')));",
      "const f = replace(out, v.result === 'match' ? h('div', null, t('ok')) : null, tpl.replace('{h}', '{HH}'));",
      "conflicts.append(h('div', { class: 'warn' }, 'The end is not after the start.'));",
    ].join('\n');
    expect(findLiteralText(sample).map((f) => f.text)).toEqual(['No runs yet.', 'live', 'reconnecting…', 'method / recipe', 'next week', 'no page ${}', '${} points, sha256 ', 'The end is not after the start.']);
  });

  it('finds text in JSX children and attributes of a Preact component', () => {
    const sample = "export const A = () => <form><p class=\"muted\">No keys yet.</p><input name=\"name\" placeholder=\"key name\" /><button>{t('staff.save')}</button></form>;";
    expect(findLiteralText(asScannable('sample.tsx', sample)).map((f) => f.text)).toEqual(['No keys yet.', 'key name']);
  });

  it('finds none in web/src: every word comes from common/i18n/locales', () => {
    const findings = sources(WEB_SRC).flatMap((file) => findLiteralText(asScannable(file, readFileSync(file, 'utf8'))).map((f) => `${file.slice(WEB_SRC.length)}:${f.line} ${f.where} ${JSON.stringify(f.text)}`));
    expect(findings).toEqual([]);
  });
});
