import { z } from 'zod';

/**
 * Environment variables of a component process, validated by `schema`: every problem is printed at once, naming the
 * variable, and the process exits with 2 (a usage error) before anything starts. Empty variables count as unset.
 */
export function envOrExit<S extends z.ZodType>(component: string, schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) process.stderr.write(`pilothub ${component}: ${issue.path.join('.')}: ${issue.message}\n`);
  process.exit(2);
}

/** A port number from the environment (0 lets the kernel pick one). */
export const EnvPort = z.coerce.number().int().min(0).max(65_535);

/** Stops the component cleanly on SIGTERM or SIGINT (once), then exits 0; a failed stop exits 1 with the reason. */
export function stopOnSignals(component: string, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`pilothub ${component} stopping (${signal})\n`);
    stop().then(() => process.exit(0), (err: Error) => {
      process.stderr.write(`pilothub ${component}: error while stopping: ${err.message}\n`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
