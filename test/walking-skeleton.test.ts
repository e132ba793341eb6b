import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './helpers/servers.js';
import { fullStack } from './helpers/stack.js';

type Stack = Awaited<ReturnType<typeof fullStack>>;

interface HistoryBody { equipment: string; parameter: string; unit: string; points: { t: number; v: unknown; q: string }[] }

describe('a reading travels from the simulated spray dryer to the API', () => {
  let stack: Stack;
  const get = (path: string) => stack.api.fetch(path);

  beforeAll(async () => {
    stack = await fullStack();
  });

  it('lists the spray dryer with its parameters and units, built from the birth', async () => {
    const body = await eventually('dryer-1 in /api/v1/equipment', async () => {
      const res = await (await get('/api/v1/equipment')).json() as { items: { id: string; online: boolean; parameters: { id: string; unit: string; datatype: string }[] }[] };
      return res.items.find((e) => e.id === 'dryer-1' && e.online);
    });
    expect(body.parameters.length).toBeGreaterThanOrEqual(4);
    expect(body.parameters).toContainEqual({ id: 'inlet_temp', name: 'Inlet air temperature', unit: '°C', datatype: 'number' });
    expect(body.parameters).toContainEqual({ id: 'feed_rate', name: 'Feed rate', unit: 'kg/h', datatype: 'number' });
    expect(body.parameters.find((p) => p.id === 'running')?.datatype).toBe('boolean');
  });

  it('shows a value set in the simulator in the history, with its unit', async () => {
    const marker = 123.25; // exactly representable in float32, so it must arrive unchanged
    stack.dryer.override('inletTemp', marker);
    const from = new Date(Date.now() - 60_000).toISOString();
    const history = await eventually('the marker value in the history', async () => {
      const res = await get(`/api/v1/equipment/dryer-1/history?parameter=inlet_temp&from=${from}`);
      const body = await res.json() as HistoryBody;
      return body.points.some((p) => p.v === marker) ? body : undefined;
    });
    stack.dryer.override('inletTemp', undefined);
    expect(history.unit).toBe('°C');
    expect(history.equipment).toBe('dryer-1');
    expect(history.points.find((p) => p.v === marker)?.q).toBe('good');
    const times = history.points.map((p) => p.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('stores booleans as booleans', async () => {
    const body = await eventually('running points', async () => {
      const b = await (await get('/api/v1/equipment/dryer-1/history?parameter=running')).json() as HistoryBody;
      return b.points.length ? b : undefined;
    });
    expect(body.points.at(-1)?.v).toBe(true);
  });

  it('answers 404 with a reason for unknown equipment and parameters', async () => {
    const unknownEquipment = await get('/api/v1/equipment/no-such-dryer/history?parameter=inlet_temp');
    expect(unknownEquipment.status).toBe(404);
    expect((await unknownEquipment.json() as { message: string }).message).toContain('equipment "no-such-dryer"');
    const unknownParameter = await get('/api/v1/equipment/dryer-1/history?parameter=humidity');
    expect(unknownParameter.status).toBe(404);
    expect((await unknownParameter.json() as { message: string }).message).toContain('no parameter "humidity"');
  });

  it('answers 400 naming the field for a bad time range', async () => {
    const badFrom = await get('/api/v1/equipment/dryer-1/history?parameter=inlet_temp&from=yesterday');
    expect(badFrom.status).toBe(400);
    const badFromBody = await badFrom.json() as { issues: { field: string }[] };
    expect(badFromBody.issues.map((i) => i.field)).toContain('querystring.from');

    const reversed = await get('/api/v1/equipment/dryer-1/history?parameter=inlet_temp&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(reversed.status).toBe(400);
    const reversedBody = await reversed.json() as { message: string; issues: { field: string }[] };
    expect(reversedBody.issues[0]?.field).toBe('querystring.from');
    expect(reversedBody.message).toContain('after to');

    const missing = await get('/api/v1/equipment/dryer-1/history');
    expect(missing.status).toBe(400);
    expect((await missing.json() as { issues: { field: string }[] }).issues.map((i) => i.field)).toContain('querystring.parameter');
  });

  it('reports every dependency up on /health, and names the example equipment whose simulators this stack does not run', async () => {
    // Right after the API subscribes the retained statuses may still be arriving; health says so until they have.
    const { res, body } = await eventually('health once the equipment states are known', async () => {
      const res = await get('/health');
      const body = await res.json() as { status: string; dependencies: Record<string, { status: string; detail?: string }>; offlineEquipment: { id: string }[] };
      return body.dependencies.equipment?.detail?.includes('not known yet') ? undefined : { res, body };
    });
    expect(res.status).toBe(200);
    expect(body.dependencies.influxdb).toEqual({ status: 'up' });
    expect(body.dependencies.broker).toEqual({ status: 'up' });
    // Only the dryer's simulator runs here: the extruder and the reactor are truthfully offline, so health is degraded.
    expect(body.status).toBe('degraded');
    expect(body.offlineEquipment.map((e) => e.id).sort()).toEqual(['extruder-1', 'reactor-1']);
    expect(body.dependencies.equipment?.detail).toContain('extruder-1');
  });

  it('answers 503 on /health when InfluxDB is down', async () => {
    await stack.influx.stop();
    const res = await get('/health');
    expect(res.status).toBe(503);
    const body = await res.json() as { status: string; dependencies: { influxdb: { status: string } } };
    expect(body.dependencies.influxdb.status).toBe('down');
    // readings wait unacknowledged at the broker meanwhile: delayed, not lost
    expect(body.status).toBe('degraded');
  });
});
