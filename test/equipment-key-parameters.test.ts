import { beforeAll, describe, expect, it } from 'vitest';
import { sharingStack } from './sharing-fixture.js';

type Stack = Awaited<ReturnType<typeof sharingStack>>;

const EXTRUDER = [
  ...Array.from({ length: 6 }, (_, i) => ({ id: `zone${i + 1}_temp`, name: `Zone ${i + 1}`, unit: '°C', datatype: 'number' as const })),
  { id: 'melt_pressure', name: 'Melt pressure', unit: 'bar', datatype: 'number' as const },
  { id: 'screw_speed', name: 'Screw speed', unit: 'rpm', datatype: 'number' as const },
  { id: 'running', name: 'Running', unit: '', datatype: 'boolean' as const },
];

/** Key parameters per equipment (issue #15): the board's choice, kept in the profile and checked against the birth. */
describe('equipment key parameters over real HTTP and SQLite', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await sharingStack();
    await s.announce('extruder-k', EXTRUDER);
  });

  it('defaults to the first five numeric parameters while none are chosen', async () => {
    const detail = await s.ok(s.admin, 'GET', '/api/v1/equipment/extruder-k');
    expect(detail.profile.keyParameters).toBeNull();
    expect(detail.live.keyParameters).toEqual(['zone1_temp', 'zone2_temp', 'zone3_temp', 'zone4_temp', 'zone5_temp']);
  });

  it('keeps the chosen ids in their order, in the profile and in the list the board reads', async () => {
    const chosen = ['melt_pressure', 'screw_speed', 'zone1_temp', 'zone6_temp', 'running'];
    const detail = await s.ok(s.admin, 'PATCH', '/api/v1/equipment/extruder-k', { keyParameters: chosen });
    expect(detail.profile.keyParameters).toEqual(chosen);
    const list = await s.ok(s.admin, 'GET', '/api/v1/equipment');
    expect(list.items.find((e: { id: string }) => e.id === 'extruder-k').keyParameters).toEqual(chosen);
  });

  it('refuses an id the birth does not announce with a 400 naming it and its place, and changes nothing', async () => {
    const r = await s.call(s.admin, 'PATCH', '/api/v1/equipment/extruder-k', { keyParameters: ['screw_speed', 'melt_presure'] });
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('"melt_presure"');
    expect(r.body.issues).toEqual([expect.objectContaining({ field: 'body.keyParameters.1' })]);
    expect((await s.ok(s.admin, 'GET', '/api/v1/equipment/extruder-k')).profile.keyParameters[0]).toBe('melt_pressure');
  });

  it('refuses repeated ids and an empty list; null brings the default rule back', async () => {
    expect((await s.call(s.admin, 'PATCH', '/api/v1/equipment/extruder-k', { keyParameters: ['screw_speed', 'screw_speed'] })).status).toBe(400);
    expect((await s.call(s.admin, 'PATCH', '/api/v1/equipment/extruder-k', { keyParameters: [] })).status).toBe(400);
    const reset = await s.ok(s.admin, 'PATCH', '/api/v1/equipment/extruder-k', { keyParameters: null });
    expect(reset.profile.keyParameters).toBeNull();
    expect(reset.live.keyParameters).toHaveLength(5);
  });

  it('falls back to the default ones when a new birth no longer announces any of the chosen', async () => {
    await s.announce('extruder-g', EXTRUDER);
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/extruder-g', { keyParameters: ['melt_pressure', 'screw_speed'] });
    // The gateway's config changed: the extruder now announces its zones and nothing else.
    await s.announce('extruder-g', EXTRUDER.slice(0, 6));
    await expect.poll(async () => (await s.ok(s.admin, 'GET', '/api/v1/equipment/extruder-g')).live.keyParameters, { timeout: 10_000 })
      .toEqual(['zone1_temp', 'zone2_temp', 'zone3_temp', 'zone4_temp', 'zone5_temp']);
  });

  it('lets only admins choose them', async () => {
    await s.org('acme');
    const engineer = await s.user('engineer', 'operator');
    expect((await s.call(engineer.token, 'PATCH', '/api/v1/equipment/extruder-k', { keyParameters: ['screw_speed'] })).status).toBe(403);
  });
});
