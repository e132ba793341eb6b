import { z } from 'zod';

/**
 * Identifiers travel in MQTT topic levels and InfluxDB tag values, so they are restricted to
 * characters that need no escaping in either and cannot contain the MQTT wildcards `+`/`#`
 * or the level separator `/` [MQTT-4.7.1].
 */
export const Identifier = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 characters of a-z, 0-9, "_" or "-", starting with a letter or digit');

export type Identifier = z.infer<typeof Identifier>;

/** Epoch milliseconds: what every reading and point carries as its time. */
export const EpochMs = z.number().int().nonnegative();
