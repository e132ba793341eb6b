import { t as translate, type Language } from '../../common/i18n/index.js';
import type { ReportEnvelope } from './model.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5))));
const seconds = (ms: number) => num(ms / 1000);

/** The report's "Golden envelope" section (words from the catalog's `envelope.report.*`); `time` prints an instant in the lab's zone. */
export function envelopeSection(e: ReportEnvelope, f: { language: Language; time: (ms: number | null) => string }): string {
  const t = (key: string, vars?: Record<string, string | number>) => esc(translate(f.language, `envelope.report.${key}`, vars));
  const alignment = e.alignment.align === 'start' ? t('alignStart')
    : e.alignment.align === 'phase' ? t('alignPhase', { parameter: e.alignment.phaseParameter, phase: e.alignment.phase }) : t('alignCondition', { condition: e.alignment.condition });
  const method = e.method === 'sigma' ? t('methodSigma', { k: e.k ?? 0 }) : t('methodMinmax');
  const intro = `<p>${t('intro', { id: e.id, version: e.version, recipe: e.recipe, method, bucket: seconds(e.bucketMs), alignment })}</p>`;
  if (e.alignedAt === null) return `<h2>${t('title')}</h2>\n${intro}<p>${t('notReached')}</p>`;
  const th = ['parameter', 'compared', 'outside', 'largest', 'largestAt'].map((k) => `<th>${t(`col.${k}`)}</th>`).join('');
  const rows = e.parameters.map((p) => `<tr><td>${esc(p.id)}</td><td class="n">${p.compared}</td><td class="n">${seconds(p.outsideMs)} s</td>`
    + `<td class="n">${p.largest ? `${t(p.largest.side === 'high' ? 'above' : 'below', { by: num(p.largest.by), unit: p.unit })}` : t('inside')}</td>`
    + `<td>${p.largest ? `${f.time(e.alignedAt! + p.largest.offsetMs)} (+${seconds(p.largest.offsetMs)} s)` : '—'}</td></tr>`).join('');
  return `<h2>${t('title')}</h2>\n${intro}<p>${t('alignedAt', { at: f.time(e.alignedAt) })}</p><table><tr>${th}</tr>${rows}</table>`;
}
