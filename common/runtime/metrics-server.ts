import { createServer } from 'node:http';
import type { Registry } from 'prom-client';
import { describeListenError } from './ports.js';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A component's own `GET /metrics` (Prometheus text from its own registry) and, where given, `GET /health`
 * (JSON), on a port of its own: components share one process under `npm start`, so they share no registry.
 */
export async function serveMetrics(options: {
  registry: Registry;
  health?: () => object;
  host: string;
  port: number;
  /** Names the component and the setting that moves the port, for a clear "port in use" error. */
  what: string;
  portEnvVar: string;
}): Promise<MetricsServer> {
  const { registry, health, host, port } = options;
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
      );
    } else if (path === '/health' && health) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(health()));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`${options.what} serves ${health ? '/metrics and /health' : '/metrics'}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(describeListenError(err, options.what, host, port, options.portEnvVar)));
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
