import { z } from 'zod';
import { EpochMs } from './ids.js';

/**
 * The retained record on `topics.ingestOwner(share)` (ingest/shares.ts): which ingest instance consumes the share.
 * `owned` is published by the instance once its session is connected; `free` is its will (the broker publishes it
 * when the connection drops without a goodbye: a crash, a kill, a lost network) and its last word on a clean stop.
 */
export const IngestOwnerRecord = z.object({
  state: z.enum(['owned', 'free']),
  instance: z.string().min(1).max(200),
  at: EpochMs,
});
export type IngestOwnerRecord = z.infer<typeof IngestOwnerRecord>;
