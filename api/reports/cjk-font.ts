import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ApiError } from '../errors.js';

const execFileAsync = promisify(execFile);

/** Han, kana, hangul and CJK punctuation: text Chromium can print only with a CJK font installed. */
export const CJK = /[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/;

const known = new Map<string, Promise<string[]>>();

/** Families fontconfig offers for Chinese (`fc-list :lang=zh family`), asked once per process; none when fc-list is missing. */
export function cjkFamilies(fcList = 'fc-list'): Promise<string[]> {
  let found = known.get(fcList);
  if (!found) {
    found = execFileAsync(fcList, [':lang=zh', 'family'], { timeout: 10_000 })
      .then(({ stdout }) => stdout.split('\n').map((l) => l.trim()).filter(Boolean), () => []);
    known.set(fcList, found);
  }
  return found;
}

/**
 * Chromium prints CJK text without a CJK font as empty boxes (seen in a report PDF): a report that holds such text
 * is refused with a clear reason (503, code cjk_font_missing) naming the package to install, never printed broken.
 */
export async function assertCjkFont(html: string, fcList?: string): Promise<void> {
  if (!CJK.test(html)) return;
  if ((await cjkFamilies(fcList)).length) return;
  throw new ApiError(503, { code: 'cjk_font_missing' });
}
