import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The root logger. Components take a child with their own bindings
 * (`component`, `gatewayId`, `equipmentId`) so every line names what it concerns.
 */
export function createLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger.child({ component, ...bindings });
}

const rootLogger = pino({
  level: process.env.PILOTHUB_LOG_LEVEL ?? 'info',
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
});
