import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { DeadLetterStore, deadLettersFile, RejectReason } from '../../ingest/dead-letters.js';
import { dataDirFromEnv } from '../../common/runtime/data-dir.js';

/** "30m", "2h", "7d" or an ISO date. */
function parseSince(value: string): Date {
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) return new Date(Date.now() - Number(relative[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[relative[2] as 's' | 'm' | 'h' | 'd']);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`--since "${value}" is neither a duration like 30m, 2h, 7d nor a date like 2026-01-31T12:00:00Z`);
  return date;
}

/** `pilothub dead-letters`: messages ingest rejected, newest first (ingest/README.md "Dead letters"). */
export function registerDeadLetters(program: Command): void {
  program.command('dead-letters')
    .description('list messages ingest rejected (bad JSON, schema violations, unknown topics, oversized, refused by InfluxDB)')
    .option('--reason <reason>', `only this reason: ${RejectReason.options.join(', ')}`)
    .option('--since <when>', 'only newer ones: a duration (30m, 2h, 7d) or a date')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'one JSON object per line, payload included')
    .option('--data-dir <dir>', 'data directory (default PILOTHUB_DATA_DIR or ./data)')
    .action((opts: { reason?: string; since?: string; limit: string; json?: boolean; dataDir?: string }) => {
      const reason = opts.reason === undefined ? undefined : RejectReason.safeParse(opts.reason);
      if (reason && !reason.success) throw new Error(`--reason "${opts.reason}" is not one of ${RejectReason.options.join(', ')}`);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit "${opts.limit}" is not a positive whole number`);
      const file = deadLettersFile(opts.dataDir ?? dataDirFromEnv());
      if (!existsSync(file)) {
        process.stdout.write(`no dead letters (${file} does not exist yet)\n`);
        return;
      }
      const store = new DeadLetterStore(file);
      const letters = store.list({ reason: reason?.data, since: opts.since ? parseSince(opts.since) : undefined, limit });
      store.close();
      for (const l of letters) {
        process.stdout.write(opts.json ? `${JSON.stringify(l)}\n` : `${l.time}  ${l.reason.padEnd(19)} ${l.topic}  ${l.detail}  (${l.payloadBytes} bytes)\n`);
      }
      if (!opts.json) process.stdout.write(`${letters.length} dead letter(s)\n`);
    });
}
