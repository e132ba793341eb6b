import { createServer } from 'node:net';

/** Asks the kernel for a free loopback port. Racy by nature, so callers bind it at once. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Turns EADDRINUSE into an error that says which setting to change. */
export function describeListenError(err: unknown, what: string, host: string, port: number, envVar?: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    const hint = envVar ? ` Stop whatever uses it or set ${envVar} to another port.` : '';
    return new Error(`${what}: port ${host}:${port} is already in use.${hint}`);
  }
  return new Error(`${what}: cannot listen on ${host}:${port}: ${(err as Error).message}`);
}
