import { renameSync, statSync } from 'node:fs';
import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { privateFile } from './private-files.js';

export type { Logger };

/**
 * The root logger. Components take a child with their own bindings
 * (`component`, `gatewayId`, `equipmentId`) so every line names what it concerns.
 */
export function createLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  rootLogger ??= createRootLogger(process.env);
  return rootLogger.child({ component, ...bindings });
}

let rootLogger: Logger | undefined;

/** Keeps one previous log beside the current one: `pilothub start` calls it before anything logs. */
export function rotateLogFile(file: string, maxBytes: number): void {
  if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) > maxBytes) renameSync(file, `${file}.1`);
}

/**
 * JSON lines on stdout, or readable lines where a person watches (PILOTHUB_LOG_FORMAT=pretty, which `pilothub start`
 * sets when its stdout is a terminal), and the same JSON appended to PILOTHUB_LOG_FILE when set (`pilothub start`:
 * DATA_DIR/logs/pilothub.log). Made at the first use, so a command can set these before any component logs.
 */
function createRootLogger(env: NodeJS.ProcessEnv): Logger {
  const level = env.PILOTHUB_LOG_LEVEL ?? 'info';
  const format = env.PILOTHUB_LOG_FORMAT ?? 'json';
  if (format !== 'json' && format !== 'pretty') throw new Error(`PILOTHUB_LOG_FORMAT="${format}" must be json or pretty`);
  const streams: { level: pino.Level; stream: DestinationStream }[] = [{
    level: level as pino.Level,
    stream: format === 'pretty'
      ? PinoPretty({ colorize: Boolean(process.stdout.isTTY), translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'pid,hostname', messageKey: 'msg', sync: true })
      : pino.destination({ dest: 1, sync: true }),
  }];
  if (env.PILOTHUB_LOG_FILE) {
    // Owner-only like the rest of the data dir (log lines name users and equipment), a file made earlier included.
    privateFile(env.PILOTHUB_LOG_FILE);
    streams.push({ level: level as pino.Level, stream: pino.destination({ dest: env.PILOTHUB_LOG_FILE, append: true, sync: true }) });
  }
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, pino.multistream(streams));
}
