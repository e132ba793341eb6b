import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Prints the report HTML to PDF with the system Chromium (Debian package) through playwright-core, the
 * browser the dashboard tests already drive: the PDF is exactly the HTML page, inline SVG charts included,
 * with no second layout engine to keep in step. One browser is kept per process and reused.
 */
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export class PdfPrinter {
  private browser: Promise<Browser> | undefined;
  /** A page opened ahead of need (newPage takes about 0.2 s), taken by the next print. */
  private spare: Promise<Page> | undefined;
  private closed = false;

  constructor(private readonly executablePath = process.env.PILOTHUB_CHROMIUM ?? '/usr/bin/chromium') {}

  /**
   * Starts the browser and opens a page for the next print, so that work overlaps the caller's (a report
   * calls it before reading its data). Failures surface in `print`, where they are reported.
   */
  warm(): void {
    if (this.spare || this.closed) return;
    const spare = this.launch().then((browser) => browser.newPage());
    spare.catch(() => { if (this.spare === spare) this.spare = undefined; });
    this.spare = spare;
  }

  /**
   * `footer`: HTML of the page footer, with Chromium's pageNumber and totalPages spans where the numbers go; `ms`, when
   * given, receives how long loading the page and printing it took.
   */
  async print(html: string, footer: string, ms?: { load: number; print: number }): Promise<Buffer> {
    if (this.closed) throw new Error('the PDF printer is closed (the API is stopping)');
    const spare = this.spare;
    this.spare = undefined;
    const open = () => this.launch().then((browser) => browser.newPage());
    // A spare from a browser that has died since fails; one more try starts a new browser.
    const page = await (spare ? spare.catch(open) : open()).catch((err: Error) => {
      throw new Error(`cannot start Chromium at ${this.executablePath} to print the report PDF (set PILOTHUB_CHROMIUM): ${err.message}`);
    });
    try {
      // The HTML is self-contained; nothing may be fetched while printing.
      const started = performance.now();
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'load' });
      const loaded = performance.now();
      const pdf = await page.pdf({
        format: 'A4', printBackground: true, margin: { top: '14mm', bottom: '16mm', left: '12mm', right: '12mm' },
        displayHeaderFooter: true, headerTemplate: '<span></span>',
        footerTemplate: `<div style="font-size:8px;width:100%;text-align:center;font-family:sans-serif,'Noto Sans CJK SC'">${footer}</div>`,
      });
      if (ms) Object.assign(ms, { load: loaded - started, print: performance.now() - loaded });
      return pdf;
    } finally {
      await page.close();
    }
  }

  /** One browser per process; a failed launch or a browser that died is forgotten so the next print starts another. */
  private launch(): Promise<Browser> {
    if (this.closed) return Promise.reject(new Error('the PDF printer is closed (the API is stopping)'));
    if (this.browser) return this.browser;
    const forget = () => {
      if (this.browser !== browser) return;
      this.browser = undefined;
      this.spare = undefined;
    };
    const browser = chromium.launch({ executablePath: this.executablePath, args: LAUNCH_ARGS });
    browser.then((b) => {
      b.on('disconnected', forget);
      // Started while close() ran: nobody else will close it.
      if (this.closed) void b.close().catch(() => undefined);
    }, forget);
    return (this.browser = browser);
  }

  async close(): Promise<void> {
    this.closed = true;
    const [browser, spare] = [this.browser, this.spare];
    this.browser = undefined;
    this.spare = undefined;
    await spare?.then((page) => page.close()).catch(() => undefined);
    if (browser) await (await browser.catch(() => undefined))?.close();
  }
}
