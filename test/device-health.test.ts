import { describe, expect, it } from 'vitest';
import { DeviceState, type Reading } from '../common/contracts/index.js';
import { createLogger } from '../common/runtime/logger.js';
import { ALL_BAD_REASON, DeviceHealth } from '../gateway/device-health.js';

const good = (p: string): Reading => ({ p, v: 1, t: 1 });
const bad = (p: string): Reading => ({ p, v: null, t: 1, q: 'bad' });

function health() {
  const published: DeviceState[] = [];
  const h = new DeviceHealth('gw-1', createLogger('device-health-test'), (s) => published.push(DeviceState.parse(s)));
  return { h, published, last: () => published.at(-1)! };
}

/** The gateway's judgement of a device from what its driver says and emits (gateway/device-health.ts). */
describe('device health', () => {
  it('judges by each parameter\'s latest reading: a batch with only the one bad parameter does not make the device unreachable', () => {
    const { h, last, published } = health();
    h.observe([good('temp'), bad('broken')]);
    // OPC UA emits only what changed, and the refused node's bad reading every publishing interval.
    h.observe([bad('broken')]);
    h.observe([bad('broken')]);
    expect(last().state).toBe('reachable');
    expect(published).toHaveLength(1);
    h.observe([bad('temp')]);
    expect(last()).toMatchObject({ state: 'unreachable', reason: ALL_BAD_REASON });
  });

  it('keeps a reason the driver gave until the driver clears it, even when readings in the same poll are good', () => {
    const { h, last } = health();
    h.device('connection to tcp://10.0.0.7:502 lost: ECONNRESET');
    h.observe([good('temp'), bad('flow')]);
    expect(last()).toMatchObject({ state: 'unreachable', reason: 'connection to tcp://10.0.0.7:502 lost: ECONNRESET' });
    h.device(undefined);
    expect(last().state).toBe('reachable');
  });

  it('publishes a valid state however many parts fail and however long the reasons are', () => {
    const { h, last } = health();
    h.observe([good('temp')]);
    for (let i = 0; i < 250; i++) h.part(`holding ${i}${'x'.repeat(300)}`, `refused: illegal data address ${'y'.repeat(600)}`);
    expect(last().faults).toHaveLength(200);
    expect(last().faults.at(-1)).toMatchObject({ part: '51 more parts' });
    h.device('z'.repeat(1000));
    expect(last().reason).toHaveLength(500);
  });
});
