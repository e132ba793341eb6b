import { startApi } from '../../api/server.js';

/**
 * The API in a process of its own (forked by live-deviation.ts), as `pilothub api` runs in a split deployment, so
 * a benchmark can read its CPU time from /proc. argv: JSON ApiOptions (without `now`). Parent message: `'stop'`.
 */
const api = await startApi({ ...JSON.parse(process.argv[2]!), port: 0 });
// A benchmark that dies leaves no API behind.
process.on('disconnect', () => process.exit(1));
process.on('message', (message) => {
  if (message === 'stop') void api.stop().then(() => process.exit(0));
});
process.send!({ ready: true, url: api.url });
