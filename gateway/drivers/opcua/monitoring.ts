import { format, stripVTControlCharacters } from 'node:util';
import type { ClientSession, ClientSubscription, DataValue } from 'node-opcua';
import { createLogger, type Logger } from '../../../common/runtime/logger.js';
import type { OpcuaDevice, OpcuaParameter } from './config.js';
import type { ResolvedNode } from './nodes.js';

export type Opcua = typeof import('node-opcua');

let opcua: Promise<Opcua> | undefined;
/** node-opcua takes about a second to import: loaded on first use, so gateways without OPC UA devices never pay it. */
export const loadOpcua = () => (opcua ??= import('node-opcua').then((ua) => {
  // node-opcua prints multi-line warnings to the console (e.g. on every reconnection attempt); the driver
  // reports what matters itself, so they go to the structured log: warnings at debug, errors at warn.
  const log = createLogger('node-opcua');
  const line = (args: unknown[]) => stripVTControlCharacters(format(...args)).replace(/\s+/g, ' ').trim();
  ua.setWarningLogger((...args: unknown[]) => log.debug(line(args)));
  ua.setErrorLogger((...args: unknown[]) => log.warn(line(args)));
  return ua;
}));

/** Monitored items of one group share their monitoring parameters (Part 4 §5.12.1.2). */
function groupKey(p: OpcuaParameter, device: OpcuaDevice): string {
  return JSON.stringify([p.samplingIntervalMs ?? device.samplingIntervalMs, p.queueSize ?? device.queueSize, p.deadband ?? null]);
}

/**
 * Creates the monitored items for `parameters`, one ClientMonitoredItemGroup (one CreateMonitoredItems
 * request) per distinct sampling interval / queue size / deadband, for parameters whose node `nodes` resolved.
 * Returns the parameters the server refused.
 */
export async function monitorParameters(
  ua: Opcua,
  subscription: ClientSubscription,
  parameters: OpcuaParameter[],
  nodes: Map<string, ResolvedNode>,
  device: OpcuaDevice,
  onValue: (p: OpcuaParameter, dv: DataValue) => void,
  logger: Logger,
): Promise<{ parameter: OpcuaParameter; reason: string }[]> {
  const groups = new Map<string, OpcuaParameter[]>();
  for (const p of parameters) groups.set(groupKey(p, device), [...(groups.get(groupKey(p, device)) ?? []), p]);
  const refused: { parameter: OpcuaParameter; reason: string }[] = [];
  for (const members of groups.values()) {
    const first = members[0]!;
    const deadband = first.deadband;
    // Part 4 §7.22.2 DataChangeFilter: StatusValue reports status changes too, so a sensor going bad is seen.
    const filter = new ua.DataChangeFilter({
      trigger: ua.DataChangeTrigger.StatusValue,
      deadbandType: !deadband ? ua.DeadbandType.None : deadband.type === 'absolute' ? ua.DeadbandType.Absolute : ua.DeadbandType.Percent,
      deadbandValue: deadband?.value ?? 0,
    });
    const group = await subscription.monitorItems(
      members.map((p) => ({ ...nodes.get(p.id)!, attributeId: ua.AttributeIds.Value })),
      {
        samplingInterval: first.samplingIntervalMs ?? device.samplingIntervalMs,
        queueSize: first.queueSize ?? device.queueSize,
        // Part 4 §5.12.1.5: on overflow keep the newest samples; the gateway wants the present most.
        discardOldest: true,
        filter,
      },
      ua.TimestampsToReturn.Both,
    );
    group.on('changed', (_item, dataValue, index) => {
      const p = members[index];
      if (p) onValue(p, dataValue);
    });
    group.monitoredItems.forEach((item, index) => {
      if (item.statusCode && !item.statusCode.isGood()) refused.push({ parameter: members[index]!, reason: item.statusCode.toString() });
    });
    warnSilentQueue(members, group.monitoredItems.map((item) => item.result), subscription.publishingInterval, device, logger);
  }
  return refused;
}

/** InfoType DataValue (0x0400) with its Overflow bit (0x0080): the server discarded samples of this item (Part 4 §7.39.1). */
const OVERFLOW_BITS = 0x0480;

/** How many values of one publish response (a NotificationMessage) carry the Overflow bit; 0 for a keep-alive. */
export function overflowedValues(message: { notificationData?: unknown[] | null }): number {
  let overflowed = 0;
  for (const data of message.notificationData ?? []) {
    const items = (data as { monitoredItems?: { value?: { statusCode?: { value: number } } }[] | null }).monitoredItems;
    for (const item of items ?? []) if (((item.value?.statusCode?.value ?? 0) & OVERFLOW_BITS) === OVERFLOW_BITS) overflowed++;
  }
  return overflowed;
}

/**
 * A queue of one never carries the Overflow bit (Part 4 §5.12.1.5): when the server samples faster than it publishes,
 * the samples in between are dropped without a trace. Servers revise queue sizes down, so this is checked on what the
 * server granted, and said once per subscription: the configuration, not the load, loses those values.
 */
function warnSilentQueue(members: OpcuaParameter[], results: ({ revisedQueueSize?: number; revisedSamplingInterval?: number } | undefined)[], publishingIntervalMs: number, device: OpcuaDevice, logger: Logger): void {
  const silent = members.filter((_p, i) => {
    const r = results[i];
    return r?.revisedQueueSize === 1 && (r.revisedSamplingInterval ?? Infinity) < publishingIntervalMs;
  });
  if (silent.length === 0) return;
  const sampling = results.find((r) => r?.revisedQueueSize === 1)?.revisedSamplingInterval;
  logger.warn({ parameters: silent.map((p) => p.id), samplingIntervalMs: sampling, publishingIntervalMs },
    `opcua device "${device.id}": the server keeps 1 sample per item between publishes for ${silent.length} parameter(s) sampled every ${sampling} ms ` +
    `and published every ${publishingIntervalMs} ms; changes in between are dropped without an overflow flag (raise queueSize, or sample no faster than the publishing interval)`);
}

/** One Read request for all `parameters` (Part 4 §5.10.2), maxAge 0 so the server reads the device. */
export async function readParameters(ua: Opcua, session: ClientSession, parameters: OpcuaParameter[], nodes: Map<string, ResolvedNode>): Promise<DataValue[]> {
  return session.read(parameters.map((p) => ({ ...nodes.get(p.id)!, attributeId: ua.AttributeIds.Value })), 0);
}
