import type { Command } from 'commander';
import { rebuildRollups } from '../../common/influx/rollups.js';
import { influxAuthFromEnv, InfluxV1Client } from '../../common/influx/v1-client.js';

function parseTime(option: string, value: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new Error(`${option} "${value}" is not a date like 2026-01-31T12:00:00Z`);
  return t;
}

/**
 * `pilothub rollups rebuild`: recomputes the per-minute rollups plot mode reads (README "Rollups") from the raw
 * readings, for data another tool wrote straight into InfluxDB without them. Idempotent.
 */
export function registerRollups(program: Command): void {
  program.command('rollups')
    .description('maintain the per-minute rollups that plot-mode histories read')
    .command('rebuild')
    .description('recompute the rollups of [from, to) from the stored readings (for data written without them)')
    .requiredOption('--influx-url <url>', 'InfluxDB v1 API (default PILOTHUB_INFLUX_URL)', process.env.PILOTHUB_INFLUX_URL)
    .option('--database <name>', 'database', 'pilothub')
    .requiredOption('--from <date>', 'start, inclusive (ISO 8601)')
    .option('--to <date>', 'end, exclusive (ISO 8601; default now)')
    .option('--equipment <id>', 'only this equipment (default all)')
    .action(async (opts: { influxUrl: string; database: string; from: string; to?: string; equipment?: string }) => {
      const from = parseTime('--from', opts.from);
      const to = opts.to === undefined ? Date.now() : parseTime('--to', opts.to);
      if (from >= to) throw new Error(`--from (${opts.from}) must be before --to (${new Date(to).toISOString()})`);
      const client = new InfluxV1Client(opts.influxUrl, opts.database, 120_000, { auth: influxAuthFromEnv() });
      const points = await rebuildRollups(client, from, to, {
        equipment: opts.equipment,
        onDay: (day, n) => process.stdout.write(`${new Date(day).toISOString().slice(0, 10)}: ${n} minute(s)\n`),
      });
      process.stdout.write(`rebuilt ${points} rollup point(s)\n`);
    });
}
