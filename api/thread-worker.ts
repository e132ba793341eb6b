import { parentPort, workerData } from 'node:worker_threads';
import type { IngestHealthProbe } from './app.js';
import { startApi, type ApiOptions } from './server.js';
import type { ApiThreadMessage, ApiThreadOptions, MainThreadMessage } from './thread.js';

/** The API in its own thread (see thread.ts): started from workerData, stopped by a message, reporting back by messages. */
const port = parentPort!;
const { withIngest, ...options } = workerData as ApiThreadOptions;
const send = (message: ApiThreadMessage) => port.postMessage(message);

let ingest: ReturnType<IngestHealthProbe> = { status: 'ok' };
const ingestHealth: IngestHealthProbe | undefined = withIngest ? () => ingest : undefined;

try {
  const api = await startApi({ ...(options as ApiOptions), ingestHealth });
  port.on('message', (message: MainThreadMessage) => {
    if (message.type === 'ingest-health') ingest = message.health;
    else if (message.type === 'stop') void api.stop().then(() => send({ type: 'stopped' }), (err: Error) => send({ type: 'stopped', error: err.message }));
  });
  send({ type: 'started', url: api.url, createdAdmin: api.createdAdmin });
} catch (err) {
  send({ type: 'failed', message: (err as Error).message });
}
