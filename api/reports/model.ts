import { z } from 'zod';
import { LANGUAGES } from '../../common/i18n/index.js';
import { Acquisition } from '../../common/contracts/index.js';
import { ReportEnvelope } from '../envelopes/model.js';
import { CanonicalFormat } from './canonical.js';

/** ISO/IEC 17025 §7.8.2.1 (l): the statement that results relate only to the item tested. */
export const ITEM_TESTED_STATEMENT = 'The results in this report relate only to the item tested, on the equipment and in the time window stated. They are the process data as recorded by pilothub; this report shall not be reproduced except in full without the approval of the issuing laboratory.';

const nullableNumber = z.number().nullable();

export const Stats = z.object({
  start: z.number().int().nullable(), end: z.number().int().nullable(), count: z.number().int(),
  min: nullableNumber, max: nullableNumber, mean: nullableNumber, stdDev: nullableNumber,
  timeWeightedMean: nullableNumber, goodPercent: nullableNumber,
});

export const ExcursionBody = z.object({
  side: z.enum(['high', 'low']), start: z.number().int(), end: z.number().int(), durationMs: z.number().int(),
  peak: z.number(), peakAt: z.number().int(), open: z.boolean(),
});

export const SpecBody = z.object({
  id: z.string(), recipe: z.string().nullable(), low: nullableNumber, high: nullableNumber, target: nullableNumber,
});

/** Everything a verification report states (the fields ISO/IEC 17025 §7.8.2.1 asks for), stored as issued. */
export const ReportContent = z.object({
  id: z.string(),
  version: z.number().int().min(1),
  previousId: z.string().nullable().describe('the version this one amends'),
  amendmentReason: z.string().nullable(),
  title: z.string(),
  issuedAt: z.number().int(),
  authorisedBy: z.object({ id: z.string(), name: z.string(), email: z.string(), role: z.string() }),
  platform: z.object({ name: z.string(), location: z.string() }),
  customer: z.object({ orgId: z.string(), name: z.string() }).nullable(),
  equipment: z.object({
    id: z.string(), name: z.string(), kind: z.string(), location: z.string(), manufacturer: z.string(), model: z.string(),
    serialNumber: z.string(), firmware: z.string(), calibrationDate: z.number().int().nullable(),
    calibrationDue: z.number().int().nullable(), calibrationCertificate: z.string(),
  }),
  run: z.object({ id: z.string(), bookingId: z.string().nullable(), from: z.number().int(), to: z.number().int() }),
  dataGaps: z.array(z.object({ from: z.number().int(), to: z.number().int(), reason: z.string() })).optional()
    .describe('times in the run window the device did not answer, with the reason the gateway gave; absent in reports issued before outages were recorded'),
  method: z.string().describe('method or recipe as stated by the issuer'),
  recipe: z.string().nullable().describe('recipe used to select specification limits'),
  acquisition: z.object({
    source: z.string().describe('gateway and protocol from the equipment birth'),
    note: z.string(),
    parameters: z.array(z.object({
      parameter: z.string(),
      configured: Acquisition.nullable().describe('poll/sampling interval and deadband from the gateway birth; null when the gateway did not publish them'),
      medianIntervalMs: z.number().nullable().describe('median spacing of the stored samples: what the acquisition delivered'),
    })),
  }),
  parameters: z.array(z.object({
    id: z.string(), name: z.string(), unit: z.string(), datatype: z.string(),
    stats: Stats,
    spec: SpecBody.nullable(),
    excursions: z.array(ExcursionBody),
    verdict: z.enum(['met', 'not met', 'no data', 'no spec']),
  })),
  integrity: z.object({
    algorithm: z.literal('sha256'), format: CanonicalFormat, sha256: z.string(), pointCount: z.number().int(),
  }),
  envelope: ReportEnvelope.optional().describe('the run against the current golden envelope of its recipe (issue #17); absent when the recipe has none. Not part of the data CSV or its hash'),
  statement: z.string(),
  language: z.enum(LANGUAGES).optional().describe('the language the report was issued in; absent in reports issued before issue 14 (en)'),
  timeZone: z.string().optional().describe('the laboratory time zone its times are printed in; absent before issue 14 (UTC)'),
}).meta({ id: 'ReportContent' });
export type ReportContent = z.infer<typeof ReportContent>;
