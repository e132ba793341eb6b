import type { Command } from 'commander';
import { rebuildRollups } from '../../common/influx/rollup-rebuild.js';
import { influxAuthFromEnv, influxStorageFromEnv, InfluxV1Client } from '../../common/influx/v1-client.js';

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
    .description('recompute the rollups of the minutes from --from to --to from the stored readings (for data written without them)')
    .requiredOption('--influx-url <url>', 'InfluxDB v1 API (default PILOTHUB_INFLUX_URL)', process.env.PILOTHUB_INFLUX_URL)
    .option('--database <name>', 'database (default PILOTHUB_INFLUX_DATABASE, else pilothub)')
    .option('--retention-policy <name>', 'retention policy (default PILOTHUB_INFLUX_RETENTION_POLICY, else the database\'s default)')
    .requiredOption('--from <date>', 'start (ISO 8601; its whole minute is included)')
    .option('--to <date>', 'end (ISO 8601; default now; a partial last minute is included)')
    .option('--equipment <id>', 'only this equipment (default all)')
    .action(async (opts: { influxUrl: string; database?: string; retentionPolicy?: string; from: string; to?: string; equipment?: string }) => {
      const from = parseTime('--from', opts.from);
      const to = opts.to === undefined ? Date.now() : parseTime('--to', opts.to);
      if (from >= to) throw new Error(`--from (${opts.from}) must be before --to (${new Date(to).toISOString()})`);
      const storage = influxStorageFromEnv();
      const client = new InfluxV1Client(opts.influxUrl, opts.database ?? storage.database, 120_000, { auth: influxAuthFromEnv(), retentionPolicy: opts.retentionPolicy ?? storage.retentionPolicy });
      // One line per day of progress, however the rebuild divides its work.
      let day = '';
      let dayPoints = 0;
      const report = () => { if (day) process.stdout.write(`${day}: ${dayPoints} minute(s)\n`); };
      const points = await rebuildRollups(client, from, to, {
        equipment: opts.equipment,
        onWindow: (start, _end, n) => {
          const label = new Date(start).toISOString().slice(0, 10);
          if (label !== day) { report(); day = label; dayPoints = 0; }
          dayPoints += n;
        },
      });
      report();
      process.stdout.write(`rebuilt ${points} rollup point(s)\n`);
    });
}
