import uPlot from 'uplot';
import { h } from './dom.js';
import { t } from './i18n.js';

/** A run's colour on every chart and in the legend (the reference first). */
export const RUN_COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f', '#1e293b', '#b45309'];
export const runColour = (i: number) => RUN_COLOURS[i % RUN_COLOURS.length]!;

export interface OverlaySeries { runId: string; buckets: { offset: number; min: number; max: number }[] }

/** "+1:02:05" / "−0:30": an offset from the alignment point, or a share of the duration in percent. */
export function fmtOffset(v: number, unit: 'ms' | 'fraction'): string {
  if (unit === 'fraction') return `${Math.round(v * 1000) / 10} %`;
  const sign = v < 0 ? '−' : '+';
  const s = Math.round(Math.abs(v) / 1000);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${sign}${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${sign}${mm}:${ss}`;
}

/**
 * One parameter's runs overlaid on the common offset axis: each run's bucket maxima and minima as two lines of its
 * colour with the band between them filled (plot mode keeps both extremes). The legend is the page's, per run.
 */
export class OverlayChart {
  readonly el: HTMLElement;
  private plot: uPlot | null = null;

  constructor(private readonly title: string, private readonly unit: 'ms' | 'fraction', private readonly runs: OverlaySeries[]) {
    this.el = h('div', { class: 'chart' });
  }

  mount(): void {
    const xs = [...new Set(this.runs.flatMap((r) => r.buckets.map((b) => b.offset)))].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const data: (number | null)[][] = [xs];
    const series: uPlot.Series[] = [{ label: t('compare.offset'), value: (_u, v) => (v === null ? '—' : fmtOffset(v, this.unit)) }];
    const bands: uPlot.Band[] = [];
    this.runs.forEach((run, i) => {
      const max: (number | null)[] = new Array(xs.length).fill(null);
      const min: (number | null)[] = new Array(xs.length).fill(null);
      for (const b of run.buckets) { const j = index.get(b.offset)!; max[j] = b.max; min[j] = b.min; }
      data.push(max, min);
      series.push({ label: `${run.runId} ${t('compare.col.max')}`, stroke: runColour(i), width: 1.5 }, { label: `${run.runId} ${t('compare.col.min')}`, stroke: runColour(i), width: 1 });
      bands.push({ series: [2 * i + 1, 2 * i + 2], fill: `${runColour(i)}22` });
    });
    this.plot = new uPlot({
      width: Math.max(320, this.el.clientWidth || 800), height: 220, title: this.title,
      legend: { show: false },
      scales: { x: { time: false } },
      axes: [{ values: (_u, ticks) => ticks.map((v) => fmtOffset(v, this.unit)), size: 40 }, { size: 60 }],
      series, bands,
    }, data as uPlot.AlignedData, this.el);
  }

  destroy(): void { this.plot?.destroy(); }
}
