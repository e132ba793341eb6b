import { t } from './i18n.js';

/** A tiny hyperscript: enough DOM building for a handful of pages without a framework in the bundle. */
export type Child = Node | string | number | null | undefined | false | Child[];
export type Attrs = Record<string, unknown>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value as EventListener);
    else if (key === 'value' || key === 'checked') (el as unknown as Record<string, unknown>)[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export function fmtValue(v: unknown, unit = ''): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return `${Math.abs(v) >= 1000 ? v.toFixed(0) : v.toFixed(2)}${unit ? ` ${unit}` : ''}`;
  if (typeof v === 'boolean') return t(v ? 'common.yes' : 'common.no');
  return String(v);
}

/** Rounds the total first: rounding only the minutes part turned 119.6 min into "1 h 60 min". */
export function fmtMinutes(m: number | null | undefined): string {
  if (m === null || m === undefined) return '—';
  const total = Math.round(m);
  return t('common.hoursMinutes', { hours: Math.floor(total / 60), minutes: String(total % 60).padStart(2, '0') });
}
