import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hasKey } from '../common/i18n/index.js';

/**
 * API request schemas word their own rules by catalog key (`'validation.afterFrom'`), so a reader of zh-CN gets them in
 * Chinese (api/plugins/validation-messages.ts). A literal English message in a schema would reach them untranslated.
 */
const Q = `['"\`]`;
const TEXT = `[^'"\`]`;
const LITERAL = `message:[[:space:]]*${Q}${TEXT}*${Q}|\\.(regex|refine|min|max|length|gte|lte|gt|lt)\\([^;]*,[[:space:]]*${Q}${TEXT}+${Q}[[:space:]]*\\)`;
// Environment settings are read by operators at start-up, in the log: not a request's answer.
const EXEMPT = ['api/settings.ts'];

describe('API schema messages', () => {
  it('are catalog keys that exist, never literal text', () => {
    const grep = spawnSync('git', ['grep', '-n', '-E', LITERAL, '--', 'api/*.ts', 'api/**/*.ts'], { encoding: 'utf8' });
    expect(grep.status, grep.stderr).not.toBe(128);
    const lines = grep.stdout.split('\n').filter((l) => l && !EXEMPT.some((f) => l.startsWith(`${f}:`)));
    const literal = lines.filter((l) => !/['"`]validation\.[A-Za-z_]+(\$\{\w+\})?['"`]/.test(l));
    expect(literal).toEqual([]);
    const keys = lines.flatMap((l) => [...l.matchAll(/['"`](validation\.[A-Za-z_]+)['"`]/g)].map((m) => m[1]!));
    expect(keys.length).toBeGreaterThan(10);
    expect(keys.filter((k) => !hasKey(k, 'en') || !hasKey(k, 'zh-CN'))).toEqual([]);
  });
});
