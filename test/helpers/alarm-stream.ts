import { teardown } from './teardown.js';

/** Collects the "alarm" events of one real status stream (`/api/v1/status/stream`) for as long as the test file runs. */
export async function alarmStream<T extends object = Record<string, any>>(apiUrl: string, token: string) {
  const ctrl = new AbortController();
  const res = await fetch(`${apiUrl}/api/v1/status/stream`, { headers: { authorization: `Bearer ${token}` }, signal: ctrl.signal });
  const events: (T & { id: string; transition?: string })[] = [];
  void (async () => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop()!;
        for (const b of blocks) if (b.startsWith('event: alarm')) events.push(JSON.parse(b.split('\ndata: ')[1]!));
      }
    } catch { /* aborted at the end */ }
  })();
  teardown(async () => ctrl.abort());
  return { events };
}
