import { t, type Language } from '../../common/i18n/index.js';
import type { Alarm } from '../alarms/model.js';
import { labTime } from '../errors.js';
import type { NotificationEvent } from './model.js';

export interface Rendered { title: string; lines: string[]; text: string; markdown: string; html: string }

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** What the alarm is about, in the reader's words: the source, and the value and limit or the reason. */
export function describeAlarm(lang: Language, a: Alarm): string {
  const d = a.detail;
  const what = t(lang, `alarms.source.${a.source}`);
  if ((a.source === 'spec-limit' || a.source === 'envelope') && a.parameter) {
    return `${what}: ${t(lang, 'notifications.outside', { parameter: a.parameter, value: Number(d.value), side: t(lang, `side.${String(d.side)}`), limit: Number(d.limit) })}`;
  }
  if (a.source === 'offline') return `${what}: ${String(d.reason ?? '')}`;
  return `${what}: ${String(d.condition ?? '')}`;
}

/**
 * One message for a group of alarm transitions, in the subscriber's language, times in the laboratory's zone
 * (`2026-12-08 18:00 UTC+08:00`). Markdown for the group robots, HTML and text for e-mail.
 */
export function renderNotification(lang: Language, timeZone: string, events: NotificationEvent[], alarms: Map<string, Alarm>, equipmentName: (id: string) => string, publicUrl?: string): Rendered {
  const shown = events.filter((e) => alarms.has(e.alarmId));
  const lines = shown.map((e) => {
    const a = alarms.get(e.alarmId)!;
    return t(lang, 'notifications.line', {
      time: labTime(e.at, timeZone), equipment: equipmentName(a.equipmentId), transition: t(lang, `notifications.transition.${e.transition}`),
      severity: t(lang, `alarms.severity.${a.severity}`), what: describeAlarm(lang, a),
    });
  });
  const first = shown[0] ? alarms.get(shown[0].alarmId) : undefined;
  const title = shown.length === 1 && first
    ? t(lang, 'notifications.titleOne', { equipment: equipmentName(first.equipmentId), transition: t(lang, `notifications.transition.${shown[0]!.transition}`) })
    : t(lang, 'notifications.titleMany', { count: shown.length });
  const link = publicUrl ? `${publicUrl.replace(/\/$/, '')}/#/board` : undefined;
  const text = [title, '', ...lines, ...(link ? ['', link] : [])].join('\n');
  const markdown = [`### ${title}`, '', ...lines.map((l) => `- ${l}`), ...(link ? ['', `[${t(lang, 'notifications.open')}](${link})`] : [])].join('\n');
  const html = `<h3>${esc(title)}</h3><ul>${lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>${link ? `<p><a href="${esc(link)}">${esc(t(lang, 'notifications.open'))}</a></p>` : ''}`;
  return { title, lines, text, markdown, html };
}
