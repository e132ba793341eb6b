import { siblingModule, startWorker } from '../common/runtime/worker-entry.js';
import type { IngestHealthProbe } from './app.js';
import type { ApiOptions, RunningApi } from './server.js';

/** What the main thread hands the API's thread: the API's options less the functions, which cannot cross threads. */
export type ApiThreadOptions = Omit<ApiOptions, 'ingestHealth' | 'now'> & { withIngest: boolean };

export type MainThreadMessage =
  | { type: 'ingest-health'; health: ReturnType<IngestHealthProbe> }
  | { type: 'stop' };

export type ApiThreadMessage =
  | { type: 'started'; url: string; createdAdmin: RunningApi['createdAdmin'] }
  | { type: 'failed'; message: string }
  | { type: 'stopped'; error?: string };

/** How often the main thread tells the API's thread what ingest's state is (for /health). */
const INGEST_HEALTH_EVERY_MS = 2000;

/** How long a stop waits for the API's thread to close its server and database before ending it. */
const STOP_TIMEOUT_MS = 10_000;

/**
 * The API on a thread of its own, for the all-in-one hub (issue 12): a request that keeps the API busy (a large
 * window, a report) then cannot delay the gateway's polling, the broker or ingest's acknowledgements, which keep the
 * main thread. Same options and the same RunningApi as startApi; `onUnexpectedExit` hears of a thread that ended.
 */
export async function startApiThread(options: Omit<ApiOptions, 'now'>, onUnexpectedExit: (reason: string) => void): Promise<RunningApi> {
  const { ingestHealth, ...rest } = options;
  const threadOptions: ApiThreadOptions = { ...rest, withIngest: ingestHealth !== undefined };
  const worker = startWorker(siblingModule(import.meta.url, 'thread-worker'), { workerData: threadOptions });
  const post = (message: MainThreadMessage) => worker.postMessage(message);
  const started = await new Promise<Extract<ApiThreadMessage, { type: 'started' }>>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the API thread exited (code ${code}) before it started`)));
    worker.once('message', (message: ApiThreadMessage) => {
      if (message.type === 'started') resolve(message);
      else reject(new Error(message.type === 'failed' ? message.message : 'the API thread answered before it started'));
    });
  }).catch(async (err: Error) => {
    await worker.terminate();
    throw err;
  });
  worker.removeAllListeners('exit');
  worker.removeAllListeners('error');
  // The API gone (out of memory, an uncaught error) must not leave a hub that looks alive without it.
  let stopping = false;
  let failure = '';
  worker.on('error', (err) => { failure = err.message; });
  worker.on('exit', (code) => { if (!stopping) onUnexpectedExit(`the API thread ended (exit code ${code})${failure ? `: ${failure}` : ''}`); });
  const report = ingestHealth ? setInterval(() => post({ type: 'ingest-health', health: ingestHealth() }), INGEST_HEALTH_EVERY_MS) : undefined;
  if (ingestHealth) post({ type: 'ingest-health', health: ingestHealth() });
  return {
    url: started.url,
    createdAdmin: started.createdAdmin,
    stop: async () => {
      stopping = true;
      clearInterval(report);
      // A thread that died or hangs must not hold up the rest of the hub's shutdown.
      const answer = await new Promise<ApiThreadMessage | undefined>((resolve) => {
        if (worker.threadId === -1) return resolve(undefined); // already ended
        worker.once('message', resolve);
        worker.once('exit', () => resolve(undefined));
        setTimeout(() => resolve(undefined), STOP_TIMEOUT_MS).unref();
        post({ type: 'stop' });
      });
      await worker.terminate();
      if (answer?.type === 'stopped' && answer.error) throw new Error(answer.error);
    },
  };
}
