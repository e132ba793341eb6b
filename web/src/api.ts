import { locale, t } from './i18n.js';
import type { ErrorBody as ErrorBodyT } from './types.js';
export type FieldIssue = NonNullable<ErrorBodyT['issues']>[number];

const TOKEN_KEY = 'pilothub.token';

/** An API error as the API sent it: status, its message and the field issues, shown to the user unchanged. */
export class ApiFailure extends Error {
  constructor(readonly status: number, message: string, readonly issues: FieldIssue[] = []) {
    super(message);
  }
}

export const session = {
  get token(): string | null { return localStorage.getItem(TOKEN_KEY); },
  set token(value: string | null) {
    if (value === null) localStorage.removeItem(TOKEN_KEY);
    else localStorage.setItem(TOKEN_KEY, value);
  },
};

/** Called on 401 so the app can send the user back to the login page. */
let onUnauthorized: () => void = () => undefined;
export const setUnauthorizedHandler = (handler: () => void) => { onUnauthorized = handler; };

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = session.token;
  // The API answers its human messages in the dashboard's language.
  return { ...(token ? { authorization: `Bearer ${token}` } : {}), 'accept-language': locale.language, ...extra };
}

async function failure(res: Response): Promise<ApiFailure> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as Partial<ErrorBodyT>;
    return new ApiFailure(res.status, body.message ?? `${res.status} ${res.statusText}`, body.issues ?? []);
  } catch {
    return new ApiFailure(res.status, text || `${res.status} ${res.statusText}`);
  }
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiFailure(0, t('errors.unreachable', { detail: (err as Error).message }));
  }
  if (!res.ok) {
    const err = await failure(res);
    if (res.status === 401 && !path.includes('/auth/login')) onUnauthorized();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {});
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, body);

/** Downloads an authenticated file (PDF/CSV): fetch with the token, then hand the blob to the browser. */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) throw await failure(res);
  const url = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement('a'), { href: url, download: filename });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Server-Sent Events over fetch rather than EventSource, because EventSource cannot send the
 * Authorization header. Reconnects after a drop; returns a function that stops it.
 */
export function subscribe(path: string, onEvent: (event: string, data: unknown) => void, onState: (connected: boolean) => void): () => void {
  const abort = new AbortController();
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        const res = await fetch(path, { headers: headers({ accept: 'text/event-stream' }), signal: abort.signal });
        if (!res.ok || !res.body) throw await failure(res);
        onState(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            dispatch(buffer.slice(0, end), onEvent);
            buffer = buffer.slice(end + 2);
          }
        }
      } catch (err) {
        if (abort.signal.aborted) return;
        if (err instanceof ApiFailure && err.status === 401) return onUnauthorized();
      }
      onState(false);
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  void run();
  return () => abort.abort();
}

function dispatch(block: string, onEvent: (event: string, data: unknown) => void): void {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (!data.length) return;
  try {
    onEvent(event, JSON.parse(data.join('\n')));
  } catch {
    onEvent(event, data.join('\n'));
  }
}
