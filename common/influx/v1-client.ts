import { decode, decodeMultiStream } from '@msgpack/msgpack';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeAnswers, type RowSink, type SeriesHead } from './msgpack-rows.js';

/** A result series of an InfluxQL query, as the v1 `/query` endpoint returns it. */
export interface Series {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/**
 * Credentials for an InfluxDB with authentication on: a user of InfluxDB 1.x (HTTP Basic, which 1.x and the v1
 * compatibility API of 2.x accept), or an API token of InfluxDB 2.x/3.x (`Authorization: Token ...`).
 */
export type InfluxAuth = { username: string; password: string } | { token: string };

/** PILOTHUB_INFLUX_USERNAME + PILOTHUB_INFLUX_PASSWORD, or PILOTHUB_INFLUX_TOKEN; a half-given pair is an error. */
export function influxAuthFromEnv(env: NodeJS.ProcessEnv = process.env): InfluxAuth | undefined {
  const { PILOTHUB_INFLUX_USERNAME: username, PILOTHUB_INFLUX_PASSWORD: password, PILOTHUB_INFLUX_TOKEN: token } = env;
  if (token && (username || password)) throw new Error('set either PILOTHUB_INFLUX_TOKEN or PILOTHUB_INFLUX_USERNAME and PILOTHUB_INFLUX_PASSWORD, not both');
  if (token) return { token };
  if (!username && !password) return undefined;
  if (!username || !password) throw new Error(`PILOTHUB_INFLUX_${username ? 'PASSWORD' : 'USERNAME'} is missing: InfluxDB credentials need both a user name and a password`);
  return { username, password };
}

/** Where pilothub's measurements live on an InfluxDB: a database, and a retention policy other than its default. */
export interface InfluxStorage { database: string; retentionPolicy?: string }

// Quoted into InfluxQL (CREATE DATABASE "…") and query strings: plain names only, so no value can break out of them.
const STORAGE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * PILOTHUB_INFLUX_DATABASE (default pilothub) and PILOTHUB_INFLUX_RETENTION_POLICY (default: the database's default
 * policy), for an InfluxDB the operator runs with names of their own (docs/scale-out.md).
 */
export function influxStorageFromEnv(env: NodeJS.ProcessEnv = process.env): InfluxStorage {
  const name = (variable: string, value: string | undefined) => {
    if (value === undefined || value === '') return undefined;
    if (!STORAGE_NAME.test(value)) throw new Error(`${variable}="${value}" is not a name pilothub uses: letters, digits, "_", "." and "-", at most 64`);
    return value;
  };
  const retentionPolicy = name('PILOTHUB_INFLUX_RETENTION_POLICY', env.PILOTHUB_INFLUX_RETENTION_POLICY);
  return { database: name('PILOTHUB_INFLUX_DATABASE', env.PILOTHUB_INFLUX_DATABASE) ?? 'pilothub', ...(retentionPolicy ? { retentionPolicy } : {}) };
}

const credentialHint = (status: number) => (status === 401 || status === 403
  ? ' (check PILOTHUB_INFLUX_USERNAME and PILOTHUB_INFLUX_PASSWORD, or PILOTHUB_INFLUX_TOKEN, and the user\'s rights on the database)' : '');

function authorization(auth: InfluxAuth | undefined): Record<string, string> {
  if (!auth) return {};
  if ('token' in auth) return { authorization: `Token ${auth.token}` };
  return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
}

export class InfluxError extends Error {
  constructor(message: string, readonly status?: number, readonly retryable = true) {
    super(message);
    this.name = 'InfluxError';
  }
}

/**
 * A client for the InfluxDB v1 HTTP API (`/write`, `/query`, `/ping`), which InfluxDB 1.x,
 * 2.x (v1 compatibility) and 3.x all serve. @influxdata/influxdb-client speaks only /api/v2,
 * so we talk HTTP here (line protocol is built in layout.ts).
 */
export class InfluxV1Client {
  private msgpack: boolean;
  private readonly authHeader: Record<string, string>;
  /** Kept so a worker thread can open its own client to the same server (api/reports/parameter-task.ts). */
  readonly auth: InfluxAuth | undefined;
  /** Writes and queries go to this policy (`rp=`) instead of the database's default one, when set. */
  readonly retentionPolicy: string | undefined;

  constructor(readonly url: string, readonly database: string, private readonly timeoutMs = 10_000, options: { msgpack?: boolean; auth?: InfluxAuth; retentionPolicy?: string } = {}) {
    this.msgpack = options.msgpack ?? true;
    this.auth = options.auth;
    this.authHeader = authorization(options.auth);
    this.retentionPolicy = options.retentionPolicy;
  }

  /** `db` and, when set, `rp`: the v1 API's /write and /query both take them (2.x/3.x map them to a bucket). */
  private target(): Record<string, string> {
    return this.retentionPolicy ? { db: this.database, rp: this.retentionPolicy } : { db: this.database };
  }

  async ping(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(2000) });
      return res.status === 204;
    } catch {
      return false;
    }
  }

  /**
   * Creates the database if it is missing. A user without admin rights may not (403): then the database is
   * taken to be made by an administrator, and a write into a missing one is held and reported like any other.
   * Wrong credentials (401) are an error here, at start, where they are easiest to fix.
   */
  async ensureDatabase(): Promise<void> {
    try {
      await this.query(`CREATE DATABASE "${this.database}"`, { method: 'POST' });
    } catch (err) {
      if (!(err instanceof InfluxError && err.status === 403)) throw err;
    }
    if (this.retentionPolicy) await this.ensureRetentionPolicy(this.retentionPolicy);
  }

  /** A named policy must exist: InfluxDB would refuse every write into it, so say so at start, naming the fix. */
  private async ensureRetentionPolicy(name: string): Promise<void> {
    let series: Series[];
    try {
      series = await this.query(`SHOW RETENTION POLICIES ON "${this.database}"`);
    } catch (err) {
      // A user who may not list policies is trusted with the name; writes report a missing one like any other refusal.
      if (err instanceof InfluxError && err.status === 403) return;
      throw err;
    }
    const names = (series[0]?.values ?? []).map((row) => row[0]);
    if (!names.includes(name)) {
      throw new InfluxError(`PILOTHUB_INFLUX_RETENTION_POLICY="${name}": database "${this.database}" has no such retention policy ` +
        `(it has ${names.map((n) => `"${String(n)}"`).join(', ') || 'none'}); create it (CREATE RETENTION POLICY "${name}" ON "${this.database}" DURATION … REPLICATION 1) or unset the variable`, 404, false);
    }
  }

  /**
   * Writes line protocol with millisecond timestamps (nanoseconds for rollups); `lines` may come as UTF-8 chunks
   * (one per message), sent as they are, separated by newlines, without copying them into one body first. 4xx
   * means the data is wrong (not retryable). node:http rather than fetch: on the ingest hot path fetch's web
   * streams, body copies and per-request objects cost more CPU than building the lines (bench/ingest.ts).
   */
  async write(lines: string | readonly Buffer[], precision: 'ms' | 'ns' = 'ms'): Promise<void> {
    const chunks = typeof lines === 'string' ? [Buffer.from(lines)] : lines;
    const length = chunks.reduce((n, chunk) => n + chunk.length, chunks.length - 1);
    const target = new URL(`${this.url}/write?${new URLSearchParams({ ...this.target(), precision })}`);
    const res = await this.request(target, 'write', {
      method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': length, ...this.authHeader },
    }, (req) => {
      chunks.forEach((chunk, i) => {
        if (i) req.write(NEWLINE);
        req.write(chunk);
      });
      req.end();
    });
    const body = await readText(res);
    if (res.statusCode === 204) return;
    const status = res.statusCode ?? 0;
    // Only 400 (bad line protocol, field type conflict) and 413 (too large) are about the data itself. Everything
    // else (401/403 credentials, 404 database not found, 429, 5xx) is the server's state: hold the data and retry.
    throw new InfluxError(`InfluxDB write answered ${status}: ${body.trim().slice(0, 500)}${credentialHint(status)}`, status, status !== 400 && status !== 413);
  }

  /** Runs one InfluxQL statement and returns its series; epoch=ms so times come back as numbers. */
  async query(q: string, options: { method?: 'GET' | 'POST'; signal?: AbortSignal } = {}): Promise<Series[]> {
    // Asked before sending: concurrent requests that all get 406 each retry, not only the first to flip the flag.
    const askedMsgpack = this.msgpack;
    const res = await this.send(new URLSearchParams({ ...this.target(), q, epoch: 'ms' }), options.method, options.signal);
    if (res.statusCode === 406 && askedMsgpack) {
      res.resume();
      this.msgpack = false;
      return this.query(q, options);
    }
    return seriesOf(res.statusCode ?? 0, await this.readBody(res, () => readQueryBody(res)));
  }

  /**
   * Runs one statement with InfluxDB's chunked responses and hands each chunk's series to `onChunk` as it arrives,
   * so decoding overlaps with InfluxDB reading the rest (a report's raw reads: about 15% faster). In JSON (servers
   * without MessagePack) the chunks are one object per line, or one object from a server that does not chunk.
   */
  async queryChunks(q: string, onChunk: (series: Series[]) => void, chunkSize = 10_000, signal?: AbortSignal): Promise<void> {
    const { res, status } = await this.sendChunked(q, chunkSize, signal);
    await this.readBody(res, async () => {
      const bodies = isMsgpack(res) ? decodeMultiStream(res) : jsonBodies(await readText(res));
      for await (const body of bodies) onChunk(seriesOf(status, body as QueryBody));
    });
  }

  /**
   * Runs one statement (chunked) and hands each series' rows to the handler `open` returns for it, one reused row
   * array at a time: no array per row (msgpack-rows.ts). For large raw reads in worker threads (report points).
   */
  async queryRows(q: string, open: (head: SeriesHead) => RowSink, chunkSize = 10_000, signal?: AbortSignal): Promise<void> {
    const { res, status } = await this.sendChunked(q, chunkSize, signal);
    await this.readBody(res, async () => {
      if (!isMsgpack(res)) {
        for (const body of jsonBodies(await readText(res))) {
          for (const series of seriesOf(status, body as QueryBody)) {
            const sink = open(series);
            for (const row of series.values ?? []) sink(row);
          }
        }
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      for (const body of decodeAnswers(Buffer.concat(chunks), open)) seriesOf(status, body as QueryBody);
    });
  }

  /**
   * Sends one chunked query: a server that refuses MessagePack (406) is asked again in JSON, and an error answer
   * (one body with InfluxDB's reason) throws through seriesOf; a success is handed back unread.
   */
  private async sendChunked(q: string, chunkSize: number, signal?: AbortSignal): Promise<{ res: IncomingMessage; status: number }> {
    const askedMsgpack = this.msgpack;
    const res = await this.send(new URLSearchParams({ ...this.target(), q, epoch: 'ms', chunked: 'true', chunk_size: String(chunkSize) }), 'GET', signal);
    const status = res.statusCode ?? 0;
    if (status === 406 && askedMsgpack) {
      res.resume();
      this.msgpack = false;
      return this.sendChunked(q, chunkSize, signal);
    }
    if (status < 200 || status >= 300) seriesOf(status, await this.readBody(res, () => readQueryBody(res)));
    return { res, status };
  }

  /** Reads an answer, turning a broken connection or an undecodable body into an InfluxError. */
  private async readBody<T>(res: IncomingMessage, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (err instanceof InfluxError) throw err;
      throw new InfluxError(`InfluxDB query to ${this.url} failed while reading its answer: ${(err as Error).message}`);
    } finally {
      res.resume();
    }
  }

  /**
   * node:http rather than fetch, as for writes: on a report's raw reads (1.4 M points) fetch's web streams cost
   * the API about three times the CPU of reading the same bytes from an IncomingMessage, CPU InfluxDB needed.
   */
  private send(params: URLSearchParams, method: 'GET' | 'POST' = 'GET', signal?: AbortSignal): Promise<IncomingMessage> {
    // InfluxDB 1.x encodes MessagePack about 3x faster than JSON for large raw reads; servers that do not
    // speak it (the v1 compatibility API of 2.x/3.x) answer JSON, which the content type tells apart.
    const headers: Record<string, string> = { ...(this.msgpack ? { accept: MSGPACK } : {}), ...this.authHeader };
    const form = params.toString();
    const target = new URL(method === 'POST' ? `${this.url}/query` : `${this.url}/query?${form}`);
    if (method === 'POST') headers['content-type'] = 'application/x-www-form-urlencoded';
    return this.request(target, 'query', { method, headers, signal }, (req) => req.end(method === 'POST' ? form : undefined));
  }

  /**
   * One HTTP request on the kept-alive agents; `send` writes the body. The timeout is for silence (no answer, or
   * no data in the middle of one, for `timeoutMs`), so a long answer that keeps arriving is never cut off.
   */
  private request(target: URL, what: 'write' | 'query', init: RequestOptions, send: (req: ClientRequest) => void): Promise<IncomingMessage> {
    return new Promise<IncomingMessage>((resolve, reject) => {
      const https = target.protocol === 'https:';
      const req = (https ? httpsRequest : httpRequest)(target, { ...init, agent: https ? httpsAgent : httpAgent, timeout: this.timeoutMs }, (res) => {
        res.on('timeout', () => res.destroy(new Error(`no data for ${this.timeoutMs} ms`)));
        resolve(res);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (err) => reject(new InfluxError(`InfluxDB ${what} to ${this.url} failed: ${err.message}`)));
      send(req);
    });
  }

  /** Waits until the server answers /ping, for start-up ordering. */
  async waitReady(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.ping())) {
      if (Date.now() > deadline) throw new InfluxError(`InfluxDB at ${this.url} did not answer /ping within ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}

const MSGPACK = 'application/x-msgpack';

type QueryBody = { results?: { series?: Series[]; error?: string }[]; error?: string };

/** The series of a /query answer (or of one chunk of it), or the error InfluxDB reported. */
function seriesOf(status: number, body: QueryBody): Series[] {
  if (status < 200 || status >= 300 || body.error) throw new InfluxError(`InfluxDB query failed (${status}): ${body.error ?? 'no body'}${credentialHint(status)}`, status, status >= 500);
  const result = body.results?.[0];
  if (result?.error) throw new InfluxError(`InfluxDB query failed: ${result.error}`, status, false);
  return result?.series ?? [];
}
const NEWLINE = Buffer.from('\n');
// Kept-alive connections: one TCP connection per request in flight, reused write after write and query after query.
const httpAgent = new HttpAgent({ keepAlive: true });
const httpsAgent = new HttpsAgent({ keepAlive: true });

async function readText(res: IncomingMessage): Promise<string> {
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) text += chunk as string;
  return text;
}

/** A JSON answer: one object, or one object per line when chunked. */
function jsonBodies(text: string): unknown[] {
  try {
    return [JSON.parse(text)];
  } catch {
    return text.split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line) as unknown);
  }
}

const isMsgpack = (res: IncomingMessage) => res.headers['content-type']?.startsWith(MSGPACK) ?? false;

/** A whole /query answer; an error answer that is not InfluxDB's JSON (a proxy's page) becomes its text as the error. */
async function readQueryBody(res: IncomingMessage): Promise<QueryBody> {
  if (isMsgpack(res)) {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return decode(Buffer.concat(chunks), { useBigInt64: false }) as QueryBody;
  }
  const text = await readText(res);
  const ok = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;
  if (ok) return (text.trim() ? JSON.parse(text) : {}) as QueryBody;
  try {
    return JSON.parse(text) as QueryBody;
  } catch {
    return { error: text.trim().slice(0, 500) || undefined };
  }
}

/** Quotes a string literal for InfluxQL (`'...'`). */
export function influxString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
