import { z } from 'zod';
import { Datatype } from '../../../common/contracts/index.js';
import { DeviceBase, ParameterBase } from '../driver.js';

/**
 * NodeId string syntax of OPC UA Part 6 §5.3.1.10: `ns=<index>;` or `nsu=<uri>;` (optional), then
 * `i=` numeric, `s=` string, `g=` GUID or `b=` opaque. Checked here (not with node-opcua) so that
 * `check-config` stays fast and does not load the OPC UA stack.
 */
const NODE_ID = /^(?:(?:ns=\d{1,5}|nsu=[^;]+);)?(?:i=\d{1,10}|s=.+|g=[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|b=[A-Za-z0-9+/=]+)$/;
export const NodeIdString = z.string().regex(NODE_ID, 'must be an OPC UA NodeId such as "ns=2;s=Line1.Temperature" or "i=2258"');

export const Deadband = z.strictObject({
  type: z.enum(['absolute', 'percent']).describe('absolute: in engineering units; percent: of the EURange the server publishes (OPC UA Part 8 §6.2)'),
  value: z.number().finite().nonnegative(),
}).refine((d) => d.type !== 'percent' || d.value <= 100, { message: 'a percent deadband must be 0-100', path: ['value'] });

export const OpcuaParameter = z.strictObject({
  ...ParameterBase,
  nodeId: NodeIdString,
  indexRange: z.string().regex(/^\d{1,9}(,\d{1,9})*$/, 'must pick one element: "2" in an array, "1,0" in a matrix (an OPC UA Part 4 NumericRange of single indexes)').optional()
    .describe('element of an array or matrix node to publish; required for array nodes'),
  datatype: Datatype.default('number').describe('what the value is published as; the node value is converted (a boolean to a number gives 0/1)'),
  samplingIntervalMs: z.number().int().min(0).max(3_600_000).optional().describe('server-side sampling interval; default: the device\'s'),
  queueSize: z.number().int().min(1).max(10_000).optional().describe('samples the server keeps between publishes; default: the device\'s'),
  deadband: Deadband.optional().describe('report a change only when it exceeds this; default: every change'),
  poll: z.boolean().default(false).describe('read this node periodically instead of subscribing (for servers that do not sample it)'),
  pollIntervalMs: z.number().int().min(10).max(3_600_000).optional().describe('read period for poll: true; default: the device\'s publishingIntervalMs'),
}).superRefine((p, ctx) => {
  if (!p.poll && p.pollIntervalMs !== undefined) ctx.addIssue({ code: 'custom', path: ['pollIntervalMs'], message: 'pollIntervalMs needs "poll: true"' });
  if (p.poll && (p.deadband || p.queueSize !== undefined || p.samplingIntervalMs !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['poll'], message: 'a polled parameter has no subscription: remove samplingIntervalMs, queueSize and deadband, or poll' });
  }
  if (p.deadband && p.datatype !== 'number') ctx.addIssue({ code: 'custom', path: ['deadband'], message: 'a deadband applies to numeric values only' });
});
export type OpcuaParameter = z.infer<typeof OpcuaParameter>;

export const SecurityMode = z.enum(['None', 'Sign', 'SignAndEncrypt']);
/** Policies current servers offer; Basic128Rsa15 and Basic256 are deprecated (OPC UA Part 7, Security Policies). */
export const SecurityPolicyName = z.enum(['Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss']);

export const OpcuaAuth = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('anonymous') }),
  z.strictObject({ type: z.literal('username'), username: z.string().min(1), password: z.string() }),
]);

export const OpcuaDevice = z.strictObject({
  ...DeviceBase,
  protocol: z.literal('opcua'),
  endpointUrl: z.string().regex(/^opc\.tcp:\/\/[^/:]+(:\d{1,5})?(\/.*)?$/, 'must be an OPC UA endpoint such as opc.tcp://192.168.0.10:4840'),
  securityMode: SecurityMode.default('None'),
  securityPolicy: SecurityPolicyName.default('Basic256Sha256').describe('used when securityMode is Sign or SignAndEncrypt'),
  auth: OpcuaAuth.default({ type: 'anonymous' }),
  publishingIntervalMs: z.number().int().min(10).max(3_600_000).default(1000).describe('how often the server sends a batch of changes'),
  samplingIntervalMs: z.number().int().min(0).max(3_600_000).default(1000).describe('default for parameters; 0 = the fastest the server supports'),
  queueSize: z.number().int().min(1).max(10_000).default(10).describe('default for parameters'),
  keepAliveIntervalMs: z.number().int().min(1000).max(600_000).default(5000).describe('session keep-alive reads; a dead link is noticed within about twice this'),
  sessionTimeoutMs: z.number().int().min(10_000).max(3_600_000).default(60_000),
  requestTimeoutMs: z.number().int().min(500).max(600_000).default(10_000),
  // Attempts are cheap (a refused TCP connect on the LAN); a long delay only delays the data once the server is back
  // (issue #12: 16-29 s with node-opcua's 30 s default), so the backoff is capped low.
  reconnect: z.strictObject({
    initialDelayMs: z.number().int().min(100).max(600_000).default(1000),
    maxDelayMs: z.number().int().min(100).max(3_600_000).default(2000),
  }).default({ initialDelayMs: 1000, maxDelayMs: 2000 }).describe('exponential backoff between connection attempts'),
  heartbeatIntervalMs: z.number().int().min(1000).max(3_600_000).default(60_000)
    .describe('every parameter\'s last value is published again this often (marked as a repeat), so a steady value shows in every history window'),
  parameters: z.array(OpcuaParameter).min(1),
}).superRefine((d, ctx) => {
  if (d.reconnect.maxDelayMs < d.reconnect.initialDelayMs) ctx.addIssue({ code: 'custom', path: ['reconnect', 'maxDelayMs'], message: 'must be at least initialDelayMs' });
});
export type OpcuaDevice = z.infer<typeof OpcuaDevice>;
