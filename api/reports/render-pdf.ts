import { chromium, type Browser } from 'playwright-core';

/**
 * Prints the report HTML to PDF with the system Chromium (Debian package) through playwright-core, the
 * browser the dashboard tests already drive: the PDF is exactly the HTML page, inline SVG charts included,
 * with no second layout engine to keep in step. One browser is kept per process and reused.
 */
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export class PdfPrinter {
  private browser: Promise<Browser> | undefined;

  constructor(private readonly executablePath = process.env.PILOTHUB_CHROMIUM ?? '/usr/bin/chromium') {}

  async print(html: string, footer: string): Promise<Buffer> {
    this.browser ??= chromium.launch({ executablePath: this.executablePath, args: LAUNCH_ARGS });
    let browser: Browser;
    try {
      browser = await this.browser;
    } catch (err) {
      this.browser = undefined;
      throw new Error(`cannot start Chromium at ${this.executablePath} to print the report PDF (set PILOTHUB_CHROMIUM): ${(err as Error).message}`);
    }
    const page = await browser.newPage();
    try {
      // The HTML is self-contained; nothing may be fetched while printing.
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'load' });
      return await page.pdf({
        format: 'A4', printBackground: true, margin: { top: '14mm', bottom: '16mm', left: '12mm', right: '12mm' },
        displayHeaderFooter: true, headerTemplate: '<span></span>',
        footerTemplate: `<div style="font-size:8px;width:100%;text-align:center">${footer} — page <span class="pageNumber"></span> of <span class="totalPages"></span></div>`,
      });
    } finally {
      await page.close();
    }
  }

  async close(): Promise<void> {
    const browser = this.browser;
    this.browser = undefined;
    if (browser) await (await browser.catch(() => undefined))?.close();
  }
}
