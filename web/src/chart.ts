import uPlot from 'uplot';
import { h } from './dom.js';
import { fmtTime, locale, t } from './i18n.js';

export interface ChartSeries { id: string; name: string; unit: string; boolean: boolean }
/** A parameter's specification limits (GET /api/v1/spec-limits, those without a recipe); null where none is set. */
export interface ChartLimits { low: number | null; high: number | null; target: number | null }

const LIMIT_COLOUR = '#dc2626';
const TARGET_COLOUR = '#16a34a';

/**
 * One uPlot chart per parameter (units differ), cursors synced across them. Dragging across a chart
 * zooms all of them: `onRange` is told the new window and refetches it from the history API, so a
 * zoom shows finer data instead of stretching the coarse points.
 */
export class TimeChart {
  readonly el: HTMLElement;
  private plot: uPlot | null = null;
  private xs: number[] = [];
  private ys: (number | null)[] = [];
  private readonly noData: HTMLElement;

  constructor(readonly series: ChartSeries, private readonly onRange: (from: number, to: number) => void, private readonly limits: ChartLimits | null = null) {
    // Said in words rather than left as an empty frame, which reads as "still loading" or "broken".
    this.noData = h('div', { class: 'no-data', 'data-role': 'no-data', hidden: true }, t('equipmentPage.noData'));
    this.el = h('div', { class: 'chart', 'data-parameter': series.id }, this.noData);
    if (limits) for (const key of ['low', 'high', 'target'] as const) if (limits[key] !== null) this.el.dataset[`limit${key[0]!.toUpperCase()}${key.slice(1)}`] = String(limits[key]);
  }

  /** The limits as lines across the plot (dashed red low/high, dotted green target), labelled at the right. */
  private drawLimits(u: uPlot): void {
    if (!this.limits) return;
    const { ctx, bbox } = u;
    ctx.save();
    ctx.lineWidth = 1;
    ctx.font = `${11 * devicePixelRatio}px sans-serif`;
    ctx.textAlign = 'right';
    for (const [key, colour, dash] of [['low', LIMIT_COLOUR, [6, 4]], ['high', LIMIT_COLOUR, [6, 4]], ['target', TARGET_COLOUR, [2, 3]]] as const) {
      const v = this.limits[key];
      if (v === null) continue;
      // Whole pixels plus a half: a 1 px line then covers one row in its own colour, not two blended rows.
      const y = Math.round(u.valToPos(v, 'y', true)) + 0.5;
      if (y < bbox.top || y > bbox.top + bbox.height) continue;
      ctx.strokeStyle = colour;
      ctx.fillStyle = colour;
      ctx.setLineDash(dash.map((d) => d * devicePixelRatio));
      ctx.beginPath();
      ctx.moveTo(bbox.left, y);
      ctx.lineTo(bbox.left + bbox.width, y);
      ctx.stroke();
      ctx.fillText(`${t(`equipmentPage.limit.${key}`)} ${v}`, bbox.left + bbox.width - 4, y - 3);
    }
    ctx.restore();
  }

  /** The y range holds the data and the limits, so a limit far from the values is still drawn. */
  private yRange(min: number | null, max: number | null): [number, number] {
    const values = [min, max, this.limits?.low, this.limits?.high, this.limits?.target].filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (!values.length) return [0, 1];
    let lo = Math.min(...values);
    let hi = Math.max(...values);
    if (lo === hi) { lo -= 1; hi += 1; }
    const margin = (hi - lo) * 0.05;
    return [lo - margin, hi + margin];
  }

  /** Creates the plot once the element is in the document, so it can take the container's width. */
  mount(): void {
    const width = Math.max(320, this.el.clientWidth || 800);
    this.plot = new uPlot({
      width, height: 180, ms: 1,
      // Axis ticks fall on the laboratory's hours and days (PILOTHUB_TIME_ZONE), whatever the browser's zone.
      tzDate: (ts: number) => uPlot.tzDate(new Date(ts), locale.timeZone),
      fmtDate: dateFormatter,
      title: `${this.series.name}${this.series.unit ? ` (${this.series.unit})` : ''}`,
      cursor: { sync: { key: 'equipment' }, drag: { x: true, y: false } },
      scales: { x: { time: true }, y: this.series.boolean ? { range: [-0.1, 1.1] } : { range: (_u: uPlot, min: number | null, max: number | null) => this.yRange(min, max) } },
      series: [{ label: t('chart.time'), value: (_u: uPlot, ts: number | null) => (ts === null ? '—' : fmtTime(ts)) }, {
        label: this.series.name, stroke: '#2563eb', width: 1.5, spanGaps: false,
        ...(this.series.boolean ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}),
        value: (_u: uPlot, v: number | null) => (v === null ? '—' : this.series.boolean ? t(v ? 'common.on' : 'common.off') : v.toFixed(2)),
      }],
      axes: [{}, { size: 60 }],
      hooks: {
        draw: [(u: uPlot) => this.drawLimits(u)],
        setSelect: [(u: uPlot) => {
          if (u.select.width < 5) return;
          const from = u.posToVal(u.select.left, 'x');
          const to = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          this.onRange(Math.round(from), Math.round(to));
        }],
      },
    }, [this.xs, this.ys], this.el);
  }

  setData(points: { t: number; v: unknown }[], from: number, to: number): void {
    this.xs = points.map((p) => p.t);
    this.ys = points.map((p) => toNumber(p.v));
    this.noData.hidden = this.ys.some((v) => v !== null);
    this.redraw(from, to);
  }

  private redraw(from: number, to: number): void {
    if (!this.plot) return;
    this.plot.setData([this.xs, this.ys], false);
    this.plot.setScale('x', { min: from, max: to });
  }

  destroy(): void { this.plot?.destroy(); }
}

/**
 * uPlot's axis templates in the dashboard's language: 24-hour clock (its `{aa}` is always "am"/"pm") and
 * month and weekday names from Intl.
 */
function dateFormatter(template: string): (date: Date) => string {
  const names = (options: Intl.DateTimeFormatOptions, count: number, at: (i: number) => Date) =>
    Array.from({ length: count }, (_, i) => new Intl.DateTimeFormat(locale.language, { ...options, timeZone: 'UTC' }).format(at(i)));
  const month = (i: number) => new Date(Date.UTC(2024, i, 15));
  const day = (i: number) => new Date(Date.UTC(2024, 0, 7 + i));
  // Chinese writes dates year first (2026/12/7); English keeps uPlot's month/day.
  const dated = locale.language === 'zh-CN' ? template.replace('{M}/{D}/{YY}', '{YYYY}/{M}/{D}') : template;
  const tpl = dated.replace('{h}{aa}', '{HH}:00').replace('{h}', '{HH}').replace('{aa}', '');
  return uPlot.fmtDate(tpl, {
    MMMM: names({ month: 'long' }, 12, month), MMM: names({ month: 'short' }, 12, month),
    WWWW: names({ weekday: 'long' }, 7, day), WWW: names({ weekday: 'short' }, 7, day),
  });
}

/** A bucket's minimum and maximum as two points, so the line passes through both extremes. */
export function envelope(buckets: { t: number; min: number; max: number }[], bucketMs: number): { t: number; v: number }[] {
  const half = Math.max(1, Math.floor(bucketMs / 2));
  return buckets.flatMap((b) => (b.min === b.max ? [{ t: b.t, v: b.min }] : [{ t: b.t, v: b.min }, { t: b.t + half, v: b.max }]));
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}
