import { connect, createServer, type Socket } from 'node:net';
import { freePort } from '../../common/runtime/ports.js';
import { teardown } from './teardown.js';

/** Which way a chunk goes through the relay: from the client that connected, or from the server behind it. */
export type RelayDirection = 'client' | 'server';

export interface RelayOptions {
  /** Whether to take a new connection (false: it is closed at once, like a refused one). Default: always. */
  accept?: () => boolean;
  /**
   * What of a chunk goes on, given the connection's number (1 for the first) and the bytes that direction already
   * passed on it: the chunk, a part of it, or undefined for nothing. Default: all of it.
   */
  pass?: (chunk: Buffer, from: RelayDirection, connection: number, passedBefore: number) => Buffer | undefined;
}

/**
 * A TCP relay on a free loopback port in front of a test's server, for faults between a client and it: connections
 * cut, bytes withheld or cut short. Closed at the end of the test.
 */
export async function tcpRelay(serverPort: number, options: RelayOptions = {}) {
  const links: { client: Socket; server: Socket }[] = [];
  const relay = createServer((client) => {
    if (options.accept && !options.accept()) { client.destroy(); return; }
    const server = connect(serverPort, '127.0.0.1');
    const connection = links.push({ client, server });
    for (const [from, source, target] of [['client', client, server], ['server', server, client]] as const) {
      let passed = 0;
      source.on('data', (chunk: Buffer) => {
        const part = options.pass ? options.pass(chunk, from, connection, passed) : chunk;
        if (!part?.length) return;
        passed += part.length;
        target.write(part);
      });
      source.on('close', () => target.destroy());
      source.on('error', () => target.destroy());
    }
  });
  const port = await freePort();
  await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
  teardown(() => new Promise<void>((resolve) => { for (const l of links) l.client.destroy(); relay.close(() => resolve()); }));
  return {
    port,
    /** Connections taken so far. */
    connections: () => links.length,
    /** Closes connection `n` (1 for the first), or every open one. */
    cut: (n?: number) => { for (const l of n === undefined ? links : [links[n - 1]!]) l.client.destroy(); },
  };
}
