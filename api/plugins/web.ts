import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { PROJECT_ROOT } from '../../common/runtime/data-dir.js';

/** The dashboard bundle built by web/build.ts (`npm start` and the browser tests build it when stale). */
export const WEB_DIST = join(PROJECT_ROOT, 'web', 'dist', '/');

/**
 * Serves the web dashboard at `/` with @fastify/static (ETags, ranges, no path traversal). Only the
 * built files get routes, so every /api and /health route keeps its own handler and 404s stay JSON.
 */
export async function webPlugin(app: FastifyInstance, options: { root?: string } = {}): Promise<void> {
  const root = options.root ?? WEB_DIST;
  // The page and its assets load before anyone signs in (the login form is part of them); the data they show
  // still needs a token. Encapsulated: this hook sees only the routes this plugin registers.
  app.addHook('onRoute', (route) => { route.config = { ...route.config, public: true }; });
  if (!existsSync(`${root}/index.html`)) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.status(503).type('text/plain')
      .send(`The web dashboard is not built (no ${root}index.html): run "npm run build" or "npm start".`));
    return;
  }
  await app.register(fastifyStatic, {
    root, wildcard: false, index: 'index.html', decorateReply: false,
    // File names carry no content hash, so browsers revalidate with the ETag on every load.
    cacheControl: true, maxAge: 0,
    allowedPath: (path) => !path.startsWith('/.'),
  });
}
