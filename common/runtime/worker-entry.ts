import { Worker, type WorkerOptions } from 'node:worker_threads';

/** True when this code runs from its TypeScript sources through tsx (development, tests), false in the compiled build. */
export const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** The module `name` beside `base` (an import.meta.url): `name.ts` from sources, `name.js` in the build. */
export function siblingModule(base: string, name: string): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
}

/**
 * Starts a worker thread on a module. The compiled build runs the JavaScript directly (no tsx at run time); from
 * sources, loader hooks do not carry into worker threads, so the worker registers tsx itself before importing.
 */
export function startWorker(module: URL, options: WorkerOptions = {}): Worker {
  if (!module.pathname.endsWith('.ts')) return new Worker(module, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
