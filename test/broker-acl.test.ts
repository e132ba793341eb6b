import { describe, expect, it } from 'vitest';
import type { Account } from '../broker/accounts.js';
import { canPublish, canSubscribe } from '../broker/acl.js';

const gateway: Account = { username: 'gw-a', role: 'gateway', site: 'hall-a', gateway: 'gw-a', equipment: ['dryer-1', 'mixer-1'] };
const ingest: Account = { username: 'ingest', role: 'ingest' };
const api: Account = { username: 'api', role: 'api' };

// [topic, retain, gateway, ingest, api]: who may publish it.
const publishMatrix: [string, boolean, boolean, boolean, boolean][] = [
  ['pilothub/v1/hall-a/dryer-1/data', false, true, false, false],
  ['pilothub/v1/hall-a/mixer-1/data', false, true, false, false],
  ['pilothub/v1/hall-a/dryer-1/data', true, false, false, false], // retained data replays old batches
  ['pilothub/v1/hall-a/dryer-1/birth', true, true, false, false], // retained birth of own equipment
  ['pilothub/v1/hall-a/oven-9/birth', true, false, false, false], // equipment it is not bound to
  ['pilothub/v1/hall-a/oven-9/data', false, false, false, false],
  ['pilothub/v1/hall-b/dryer-1/data', false, false, false, false], // same equipment id, other site
  ['pilothub/v1/hall-b/dryer-1/birth', true, false, false, false],
  ['pilothub/v1/hall-a/gateway/gw-a/status', true, true, false, false], // its own status (also its will)
  ['pilothub/v1/hall-a/gateway/gw-b/status', true, false, false, false], // another gateway's status
  ['pilothub/v1/hall-b/gateway/gw-a/status', true, false, false, false], // its id under another site
  ['pilothub/v1/hall-a/+/data', false, false, false, false],
  ['pilothub/v1/hall-a/#', false, false, false, false],
  ['pilothub/v1/hall-a/dryer-1/commands', false, false, false, false],
  ['pilothub/v1/hall-a/gateway/data', false, false, false, false],
  ['$SYS/broker/uptime', false, false, false, false],
  ['other/topic', false, false, false, false],
  ['pilothub/v2/hall-a/dryer-1/data', false, false, false, false],
];

// [filter, gateway, ingest, api]: who may subscribe to it.
const subscribeMatrix: [string, boolean, boolean, boolean][] = [
  ['pilothub/v1/+/+/data', false, true, true],
  ['pilothub/v1/hall-a/+/data', false, true, true],
  ['pilothub/v1/+/+/birth', false, true, true],
  ['pilothub/v1/+/gateway/+/status', false, true, true],
  ['pilothub/v1/#', false, true, true],
  ['pilothub/v1/hall-a/dryer-1/data', false, true, true],
  ['#', false, false, false],
  ['+/v1/+/+/data', false, false, false],
  ['$SYS/#', false, false, false],
  ['$SYS/broker/uptime', false, false, false],
  ['other/#', false, false, false],
  ['pilothub/v1/#/data', false, false, false],
  ['pilothub/v1/hall-a+/+/data', false, false, false],
];

describe('ACL', () => {
  describe.each(publishMatrix)('publish %s (retain %s)', (topic, retain, gw, ing, ap) => {
    it.each([['gateway', gateway, gw], ['ingest', ingest, ing], ['api', api, ap]] as const)('%s: allowed=%s', (_role, account, allowed) => {
      const decision = canPublish(account, topic, { retain });
      expect(decision.ok, JSON.stringify(decision)).toBe(allowed);
      if (!decision.ok) expect(decision.reason).toMatch(/\S/);
    });
  });

  describe.each(subscribeMatrix)('subscribe %s', (filter, gw, ing, ap) => {
    it.each([['gateway', gateway, gw], ['ingest', ingest, ing], ['api', api, ap]] as const)('%s: allowed=%s', (_role, account, allowed) => {
      expect(canSubscribe(account, filter).ok).toBe(allowed);
    });
  });

  it('refuses equipment the account lists but another account holds (a store from before ids were unique)', () => {
    for (const kind of ['data', 'birth', 'state']) {
      expect(canPublish(gateway, `pilothub/v1/hall-a/dryer-1/${kind}`, { retain: kind !== 'data', equipmentOwner: 'gw-other' }))
        .toEqual({ ok: false, reason: 'equipment "dryer-1" is bound to account "gw-other", not "gw-a"' });
    }
    expect(canPublish(gateway, 'pilothub/v1/hall-a/dryer-1/data', { equipmentOwner: 'gw-a' })).toEqual({ ok: true });
  });

  it('names the culprit in the refusal', () => {
    expect(canPublish(gateway, 'pilothub/v1/hall-b/dryer-1/data')).toEqual({ ok: false, reason: 'gateway "gw-a" belongs to site "hall-a", not "hall-b"' });
    expect(canPublish(gateway, 'pilothub/v1/hall-a/oven-9/data')).toEqual({ ok: false, reason: 'gateway "gw-a" is not bound to equipment "oven-9"' });
  });
});
