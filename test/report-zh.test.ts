import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../common/contracts/index.js';
import { assertCjkFont } from '../api/reports/cjk-font.js';
import { customerRun, historyStack } from './history-fixture.js';

type Stack = Awaited<ReturnType<typeof historyStack>>;
interface Summary { id: string; dataSha256: string; links: { self: string; html: string; pdf: string; csv: string } }

// 09:00 UTC is 17:00 in Shanghai: a report that printed UTC would show 09:00.
const RUN_FROM = Date.UTC(2026, 10, 23, 9, 0, 0);
const RUN_TO = RUN_FROM + 120_000;
const METHOD = '喷雾干燥法 SD-7（麦芽糊精）';
const CUSTOMER = '华东新材料中试有限公司';
const readings: Reading[] = Array.from({ length: 120 }, (_, i) => ({ p: 'temp', t: RUN_FROM + i * 1000, v: 150 + (i % 7) }));

const pdfText = (pdf: Buffer) => execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf }).toString('utf8').replace(/\s+/g, ' ');
/**
 * The fonts the PDF embeds, from their font descriptors (PDF 32000-1 §9.8). Not pdffonts: Debian's Chromium embeds
 * every font as a Type 3 font, which has no BaseFont, so pdffonts lists each as "[none]"; the descriptor still
 * names the face the glyphs were drawn from (e.g. "BAAAAA+NotoSansCJKsc-Regular", a subset).
 */
const embeddedFonts = (pdf: Buffer) => [...pdf.toString('latin1').matchAll(/\/FontName\s*\/([^\s/<>[\]()]+)/g)].map((m) => m[1]!);

/** Issue 14: a report in Chinese for a Chinese customer, in the laboratory's zone, with a CJK font; the same data and hash in every language. */
describe('verification report in zh-CN', () => {
  let s: Stack;
  let zh: Summary;
  let runId: string;

  beforeAll(async () => {
    // Names people type, in Chinese, through the whole path: gateway birth over MQTT, organisation, method.
    s = await historyStack('rep-zh', [{ id: 'temp', name: '进风温度', unit: '°C', datatype: 'number' }], { timeZone: 'Asia/Shanghai' });
    await s.write(readings);
    await s.org('huadong');
    await s.ok(s.admin, 'PATCH', '/api/v1/orgs/huadong', { name: CUSTOMER, reportLanguage: 'zh-CN' });
    ({ runId } = await customerRun(s, 'rep-zh', 'huadong', RUN_FROM, RUN_TO));
    // No language given: the customer organisation's setting decides.
    zh = await s.ok(s.admin, 'POST', '/api/v1/reports', { runId, method: METHOD });
  });

  it('takes the language from the customer organisation and keeps it with the report', async () => {
    const content = await s.ok<{ language: string; timeZone: string; title: string; method: string }>(s.admin, 'GET', zh.links.self);
    expect(content).toMatchObject({ language: 'zh-CN', timeZone: 'Asia/Shanghai', title: `验证报告 ${zh.id}`, method: METHOD });
  });

  it('prints the Chinese method name exactly, the CNAS-CL01 field names and a CJK font into the PDF', async () => {
    const pdf = Buffer.from(await (await s.get(zh.links.pdf)).arrayBuffer());
    const text = pdfText(pdf);
    expect(text).toContain(METHOD);
    expect(text).toContain(CUSTOMER);
    expect(text).toContain('进风温度');
    for (const field of ['报告编号', '委托单位', '样品/设备', '检测方法', '检测日期', '签发人', '签发日期', '统计结果', '数据完整性']) expect(text).toContain(field);
    expect(text).not.toContain('Method / recipe');
    expect(embeddedFonts(pdf).some((name) => /Noto(Sans|Serif)CJK/.test(name))).toBe(true);
  });

  it("prints times in the laboratory's zone, its UTC offset once", async () => {
    const html = (await s.call(s.admin, 'GET', zh.links.html)).text;
    expect(html).toContain('2026-11-23 17:00:00');
    expect(html).not.toContain('2026-11-23 09:00:00');
    expect(html.match(/UTC\+08:00/g)).toHaveLength(1);
    expect(html).toContain('<html lang="zh-CN">');
  });

  it('ships the same canonical CSV and sha256 whatever the language', async () => {
    const en = await s.ok<Summary>(s.admin, 'POST', `/api/v1/reports/${zh.id}/amendments`, { reason: 'English copy for the parent company', language: 'en' });
    expect((await s.ok<{ language: string }>(s.admin, 'GET', en.links.self)).language).toBe('en');
    const [zhCsv, enCsv] = await Promise.all([zh, en].map(async (r) => Buffer.from(await (await s.get(r.links.csv)).arrayBuffer())));
    expect(en.dataSha256).toBe(zh.dataSha256);
    expect(enCsv!.equals(zhCsv!)).toBe(true);
    // No byte order mark on the hashed data: it is not a spreadsheet export.
    expect(zhCsv!.subarray(0, 3).toString('hex')).not.toBe('efbbbf');
    expect(createHash('sha256').update(zhCsv!).digest('hex')).toBe(zh.dataSha256);
    const enText = pdfText(Buffer.from(await (await s.get(en.links.pdf)).arrayBuffer()));
    expect(enText).toContain('Method / recipe');
    expect(enText).toContain(METHOD);
  });

  it('refuses to print Chinese without a CJK font instead of printing boxes', async () => {
    // fontconfig's lister missing stands for a machine without fonts-noto-cjk: no CJK family is found.
    await expect(assertCjkFont('<p>检测方法</p>', '/nonexistent/fc-list')).rejects.toMatchObject({ statusCode: 503, code: 'cjk_font_missing', message: expect.stringContaining('fonts-noto-cjk') });
    await expect(assertCjkFont('<p>Method</p>', '/nonexistent/fc-list')).resolves.toBeUndefined();
    await expect(assertCjkFont('<p>检测方法</p>')).resolves.toBeUndefined();
  });
});
