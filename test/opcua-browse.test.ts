import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AttributeIds, DataType, OPCUAClient, StatusCodes } from 'node-opcua';
import { beforeAll, describe, expect, it } from 'vitest';
import { browseServer } from '../cli/commands/browse.js';
import { parseGatewayConfig } from '../gateway/config.js';
import { reactorNodeId, type ReactorSim } from '../simulators/reactor/index.js';
import { reactor } from './helpers/reactor.js';
import { tempDir } from './helpers/servers.js';

const options = { nodes: [] as string[], depth: 10, securityMode: 'None' as const, securityPolicy: 'Basic256Sha256' as const };

describe('pilothub browse and the reactor address space', () => {
  let sim: ReactorSim;
  const dataDir = tempDir('pilothub-browse-');
  beforeAll(async () => { sim = await reactor(); });

  it('lists every reactor variable with its data type, unit and EURange, but not the Server object or properties', async () => {
    const { variables } = await browseServer(sim.endpointUrl, { ...options, dataDir });
    const byPath = new Map(variables.map((v) => [v.path, v]));
    expect(byPath.get('R101/Measurements/ReactorTemperature')).toMatchObject({
      nodeId: reactorNodeId('Measurements', 'ReactorTemperature'), dataType: 'Double', datatype: 'number', unit: '°C', range: { min: 0, max: 150 }, writable: false,
    });
    expect(byPath.get('R101/Measurements/Pressure')).toMatchObject({ unit: 'bar', range: { min: 0, max: 6 } });
    expect(byPath.get('R101/Measurements/DosingRate')).toMatchObject({ unit: 'kg/h' });
    expect(byPath.get('R101/Alarms/HighTemperatureAlarm')).toMatchObject({ dataType: 'Boolean', datatype: 'boolean', unit: '' });
    expect(byPath.get('R101/Status/BatchState')).toMatchObject({ dataType: 'String', datatype: 'string' });
    expect(byPath.get('R101/Setpoints/TemperatureSetpoint')).toMatchObject({ writable: true, unit: '°C', value: 60 });
    // An array shows its dimensions; the gateway reads it element by element (indexRange).
    expect(byPath.get('R101/Measurements/JacketZoneTemperatures')).toMatchObject({ dataType: 'Double[4]', datatype: 'number', arrayDimensions: [4], unit: '°C' });
    expect(byPath.get('R101/Measurements/JacketZoneTemperatures')!.value).toHaveLength(4);
    expect(byPath.get('R101/Measurements/JacketZoneGrid')).toMatchObject({ dataType: 'Double[2,2]', arrayDimensions: [2, 2] });
    expect(variables).toHaveLength(14);
    expect(variables.some((v) => v.path.startsWith('Server') || /EURange|EngineeringUnits/.test(v.path))).toBe(false);
  });

  it('prints a snippet for the chosen nodes that is a valid gateway device', async () => {
    const { variables, snippet } = await browseServer(sim.endpointUrl, { ...options, dataDir, nodes: ['R101/Measurements/*', reactorNodeId('Status', 'BatchState')] });
    expect(variables.map((v) => v.browseName)).toEqual(['ReactorTemperature', 'JacketTemperature', 'Pressure', 'AgitatorSpeed', 'pH', 'DosingRate', 'JacketZoneTemperatures', 'JacketZoneGrid', 'BatchState']);
    const indented = snippet.split('\n').map((l) => (l ? `  ${l}` : l)).join('\n');
    const config = parseGatewayConfig(`gateway: { id: gw-1, site: hall-a }\nmqtt: { url: "mqtt://127.0.0.1:1883" }\ndevices:\n${indented}`, 'snippet.yaml');
    const device = config.devices[0]!;
    expect(device.protocol).toBe('opcua');
    const zones = [0, 1, 2, 3].map((i) => `jacket_zone_temperatures_${i}`);
    expect(device.parameters.map((p) => p.id)).toEqual(['reactor_temperature', 'jacket_temperature', 'pressure', 'agitator_speed', 'ph', 'dosing_rate', ...zones, 'batch_state']);
    expect(device.parameters.find((p) => p.id === 'jacket_zone_temperatures_2')).toMatchObject({ name: 'Jacket zone temperatures [2]', indexRange: '2', unit: '°C', range: { min: 0, max: 150 } });
    expect(device.parameters[0]).toMatchObject({ name: 'Reactor temperature', unit: '°C', range: { min: 0, max: 150 } });
    expect(device.parameters.find((p) => p.id === 'batch_state')).toMatchObject({ datatype: 'string' });
  });

  it('runs as `pilothub browse` from the command line', async () => {
    // Asynchronous: the simulator serving the CLI runs in this process.
    const result = await promisify(execFile)(process.execPath, ['bin/pilothub.js', 'browse', sim.endpointUrl, '--nodes', '**/Pressure', '--data-dir', dataDir], { encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).not.toMatch(/^pilothub:/m);
    expect(result.stdout).toMatch(/R101\/Measurements\/Pressure\s+ns=1;s=R101\.Measurements\.Pressure\s+Double\s+bar\s+0\.\.6/);
    expect(result.stdout).toContain('nodeId: ns=1;s=R101.Measurements.Pressure');
    const zones = await promisify(execFile)(process.execPath, ['bin/pilothub.js', 'browse', sim.endpointUrl, '--nodes', '**/JacketZone*', '--data-dir', dataDir], { encoding: 'utf8', timeout: 30_000 });
    expect(zones.stdout).toMatch(/R101\/Measurements\/JacketZoneTemperatures\s+\S+\s+Double\[4\]\s+°C\s+0\.\.150\s+\[[\d.]+, [\d.]+, [\d.]+, [\d.]+\]/);
    expect(zones.stdout).toContain('nodeId: ns=1;s=R101.Measurements.JacketZoneTemperatures, indexRange: "3", range: { min: 0, max: 150 } }');
  });

  it('prints the current value beside the EURange, and leaves a range the value lies outside out of the snippet', async () => {
    sim.override('pressure', 9.5);
    try {
      const { variables, snippet } = await browseServer(sim.endpointUrl, { ...options, dataDir, nodes: ['**/Pressure', '**/ReactorTemperature'] });
      expect(variables.find((v) => v.browseName === 'Pressure')).toMatchObject({ range: { min: 0, max: 6 }, value: 9.5 });
      expect(snippet).toContain('# pressure: EURange 0..6 left out: the current value 9.5 lies outside it');
      const config = parseGatewayConfig(`gateway: { id: gw-1, site: hall-a }\nmqtt: { url: "mqtt://127.0.0.1:1883" }\ndevices:\n${snippet.split('\n').map((l) => (l ? `  ${l}` : l)).join('\n')}`, 'snippet.yaml');
      const parameters = config.devices[0]!.parameters;
      expect(parameters.find((p) => p.id === 'pressure')!.range).toBeUndefined();
      // A value inside its range keeps the range.
      expect(parameters.find((p) => p.id === 'reactor_temperature')!.range).toEqual({ min: 0, max: 150 });
    } finally {
      sim.override('pressure', undefined);
    }
  });

  it('accepts setpoint writes within the EURange, which drive the model, and refuses others with BadOutOfRange', async () => {
    const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 0 } });
    await client.connect(sim.endpointUrl);
    const session = await client.createSession();
    const write = (value: number) => session.write({
      nodeId: reactorNodeId('Setpoints', 'TemperatureSetpoint'), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value } },
    });
    expect((await write(72.5)).name).toBe('Good');
    expect(sim.state().temperatureSetpoint).toBe(72.5);
    expect(await write(500)).toBe(StatusCodes.BadOutOfRange);
    expect(sim.state().temperatureSetpoint).toBe(72.5);
    const measurement = await session.write({
      nodeId: reactorNodeId('Measurements', 'ReactorTemperature'), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: 1 } },
    });
    expect(measurement.isGood()).toBe(false);
    await session.close();
    await client.disconnect();
  });
});
