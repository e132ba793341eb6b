import { chromium } from 'playwright-core';
import { svgChart } from './api/reports/svg-chart.js';
const FROM = Date.UTC(2026, 0, 11); const S = 8 * 3600;
const charts: string[] = [];
for (let k = 0; k < 50; k++) {
  const pts = []; for (let i = 0; i < S; i++) pts.push({ t: FROM + i * 1000, v: 100 + 10 * Math.sin(i / 600) + (i % 7) * 0.01, q: 'good' as const });
  charts.push(svgChart(pts, { title: `p${k}`, unit: '°C', from: FROM, to: FROM + S * 1000, low: 95, high: 108 }));
}
const rows = Array.from({ length: 50 }, (_, k) => `<tr><td>p${k}</td><td>1</td><td>2</td><td>3</td><td>4</td><td>5</td><td>6</td><td>7</td><td>8</td><td>9</td><td>10</td></tr>`).join('');
const html = `<!doctype html><html><head><meta charset="utf-8"><style>body{font-family:sans-serif;font-size:11px}table{border-collapse:collapse;width:100%}td{border:1px solid #bbb}.chart{page-break-inside:avoid}</style></head><body><h1>x</h1><table>${rows}</table><table>${rows}</table>${charts.map((c) => `<div class="chart">${c}</div>`).join('')}<p class="hash">HASH</p></body></html>`;
console.log('html bytes', html.length);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const opts = { format: 'A4' as const, printBackground: true, margin: { top: '14mm', bottom: '16mm', left: '12mm', right: '12mm' }, displayHeaderFooter: true, headerTemplate: '<span></span>', footerTemplate: '<div style="font-size:8px">x <span class="pageNumber"></span></div>' };
for (let round = 0; round < 3; round++) {
  for (const mode of ['route+setContent', 'setContent', 'setContent-noWait', 'svgNoText']) {
    const page = await browser.newPage();
    const t0 = performance.now();
    if (mode === 'route+setContent') await page.route('**/*', (r) => r.abort());
    const h = mode === 'svgNoText' ? html.replace(/text-rendering/g, '') : html;
    await page.setContent(h, { waitUntil: mode === 'setContent-noWait' ? 'domcontentloaded' : 'load' });
    const t1 = performance.now();
    const pdf = await page.pdf(opts);
    const t2 = performance.now();
    console.log(round, mode, `load ${(t1 - t0).toFixed(0)} print ${(t2 - t1).toFixed(0)} pdf ${pdf.length}`);
    await page.close();
  }
}
await browser.close();
