import { describe, expect, it } from 'vitest';
import { teardown } from './helpers/teardown.js';
import { Birth, ReadingBatch } from '../common/contracts/index.js';
import { connectMqtt } from '../common/runtime/mqtt-client.js';
import { reactor } from './helpers/reactor.js';
import { broker, eventually, gateway } from './helpers/servers.js';

/** The device block handed to config/gateway.example.yaml, run through the real gateway and broker. */
const CONFIG = `
gateway: { id: gw-test, site: hall-a }
mqtt: { url: "\${MQTT_URL}" }
devices:
  - id: reactor-1
    name: Jacketed batch reactor R-101
    kind: batch-reactor
    protocol: opcua
    endpointUrl: opc.tcp://127.0.0.1:\${PILOTHUB_SIM_REACTOR_PORT:-4840}
    publishingIntervalMs: 1000
    samplingIntervalMs: 500
    parameters:
      - { id: reactor_temp, name: Reactor temperature, unit: °C, nodeId: "ns=1;s=R101.Measurements.ReactorTemperature", range: { min: 0, max: 150 } }
      - { id: jacket_temp, name: Jacket temperature, unit: °C, nodeId: "ns=1;s=R101.Measurements.JacketTemperature", range: { min: 0, max: 150 } }
      - { id: pressure, name: Reactor pressure, unit: bar, nodeId: "ns=1;s=R101.Measurements.Pressure", deadband: { type: absolute, value: 0.001 } }
      - { id: agitator_speed, name: Agitator speed, unit: rpm, nodeId: "ns=1;s=R101.Measurements.AgitatorSpeed" }
      - { id: ph, name: pH, nodeId: "ns=1;s=R101.Measurements.pH" }
      - { id: dosing_rate, name: Dosing rate, unit: kg/h, nodeId: "ns=1;s=R101.Measurements.DosingRate" }
      - { id: high_temp_alarm, name: High temperature alarm, nodeId: "ns=1;s=R101.Alarms.HighTemperatureAlarm", datatype: boolean }
      - { id: batch_state, name: Batch state, nodeId: "ns=1;s=R101.Status.BatchState", datatype: string }
      - { id: temp_setpoint, name: Temperature setpoint, unit: °C, nodeId: "ns=1;s=R101.Setpoints.TemperatureSetpoint", poll: true, pollIntervalMs: 5000 }
`;

describe('a gateway with an OPC UA device', () => {
  it('publishes the reactor birth and validated reading batches over MQTT', async () => {
    const [mqttBroker, sim] = await Promise.all([broker(), reactor()]);
    const births: Birth[] = [];
    const batches: ReadingBatch[] = [];
    const client = connectMqtt(mqttBroker.url, { clientId: 'opcua-gateway-test' });
    teardown(() => new Promise<void>((resolve) => client.end(true, {}, () => resolve())));
    client.on('message', (topic, payload) => {
      const body: unknown = JSON.parse(payload.toString());
      if (topic.endsWith('/birth')) births.push(Birth.parse(body));
      if (topic.endsWith('/data')) batches.push(ReadingBatch.parse(body));
    });
    await client.subscribeAsync('pilothub/v1/hall-a/reactor-1/#', { qos: 1 });
    await gateway(CONFIG, { MQTT_URL: mqttBroker.url, PILOTHUB_SIM_REACTOR_PORT: String(sim.port) });

    const birth = await eventually('the reactor birth', () => births[0]);
    expect(birth.equipment).toMatchObject({ id: 'reactor-1', kind: 'batch-reactor', protocol: 'opcua' });
    expect(birth.parameters).toContainEqual({
      id: 'reactor_temp', name: 'Reactor temperature', unit: '°C', datatype: 'number', range: { min: 0, max: 150 },
      acquisition: { mode: 'subscription', intervalMs: 500, repeatMs: 60_000 },
    });
    // acquisition settings travel in the birth so reports can state them
    expect(birth.parameters.find((p) => p.id === 'pressure')?.acquisition).toEqual({ mode: 'subscription', intervalMs: 500, deadband: { type: 'absolute', value: 0.001 }, repeatMs: 60_000 });
    expect(birth.parameters.find((p) => p.id === 'temp_setpoint')?.acquisition).toEqual({ mode: 'poll', intervalMs: 5000 });
    expect(birth.parameters.find((p) => p.id === 'batch_state')?.datatype).toBe('string');
    const ids = birth.parameters.map((p) => p.id);
    await eventually('a good reading of every parameter', () => {
      const seen = new Set(batches.flatMap((b) => b.readings.filter((r) => r.q === undefined).map((r) => r.p)));
      return ids.every((id) => seen.has(id)) ? true : undefined;
    });
  });
});
