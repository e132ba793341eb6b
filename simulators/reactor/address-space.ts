import {
  DataType, makeEUInformation, standardUnits, StatusCodes, Variant, VariantArrayType,
  type EUInformation, type Namespace, type UAObject, type UAVariable,
} from 'node-opcua';
import type { ReactorMeasurement, ReactorState } from './model.js';

/** The reactor's variables, as published in the address space. Documented in simulators/README.md. */
export interface ReactorNode {
  key: ReactorMeasurement | 'highTemperatureAlarm' | 'highPressureAlarm' | 'batchState';
  browseName: string;
  displayName: string;
  folder: 'Measurements' | 'Alarms' | 'Status';
  description: string;
  unit?: EUInformation;
  range?: [number, number];
}

export interface ReactorSetpoint {
  key: 'temperatureSetpoint' | 'agitatorSetpoint' | 'dosingSetpoint';
  browseName: string;
  displayName: string;
  description: string;
  unit: EUInformation;
  range: [number, number];
}

/** UN/CEFACT Rec. 20 codes (OPC UA Part 8 §5.6.3): E93 kg/h, C62 "one" for dimensionless pH. */
const KG_PER_HOUR = makeEUInformation('E93', 'kg/h', 'kilogram per hour');
const PH = makeEUInformation('C62', 'pH', 'pH value (dimensionless)');

export const REACTOR_NODES: ReactorNode[] = [
  { key: 'reactorTemp', browseName: 'ReactorTemperature', displayName: 'Reactor temperature', folder: 'Measurements', description: 'batch temperature', unit: standardUnits.degree_celsius, range: [0, 150] },
  { key: 'jacketTemp', browseName: 'JacketTemperature', displayName: 'Jacket temperature', folder: 'Measurements', description: 'jacket outlet temperature', unit: standardUnits.degree_celsius, range: [0, 150] },
  { key: 'pressure', browseName: 'Pressure', displayName: 'Reactor pressure', folder: 'Measurements', description: 'absolute head-space pressure', unit: standardUnits.bar, range: [0, 6] },
  { key: 'agitatorSpeed', browseName: 'AgitatorSpeed', displayName: 'Agitator speed', folder: 'Measurements', description: 'agitator shaft speed', unit: standardUnits.revolutions_per_minute, range: [0, 300] },
  { key: 'pH', browseName: 'pH', displayName: 'pH', folder: 'Measurements', description: 'batch pH', unit: PH, range: [0, 14] },
  { key: 'dosingRate', browseName: 'DosingRate', displayName: 'Dosing rate', folder: 'Measurements', description: 'reagent dosing rate', unit: KG_PER_HOUR, range: [0, 100] },
  { key: 'highTemperatureAlarm', browseName: 'HighTemperatureAlarm', displayName: 'High temperature alarm', folder: 'Alarms', description: 'batch temperature above 95 °C; dosing interlocked' },
  { key: 'highPressureAlarm', browseName: 'HighPressureAlarm', displayName: 'High pressure alarm', folder: 'Alarms', description: 'head-space pressure above 2.5 bar' },
  { key: 'batchState', browseName: 'BatchState', displayName: 'Batch state', folder: 'Status', description: 'idle, dosing or reacting' },
];

export const REACTOR_SETPOINTS: ReactorSetpoint[] = [
  { key: 'temperatureSetpoint', browseName: 'TemperatureSetpoint', displayName: 'Temperature setpoint', description: 'batch temperature setpoint of the jacket PI controller', unit: standardUnits.degree_celsius, range: [0, 120] },
  { key: 'agitatorSetpoint', browseName: 'AgitatorSpeedSetpoint', displayName: 'Agitator speed setpoint', description: 'agitator speed setpoint', unit: standardUnits.revolutions_per_minute, range: [0, 300] },
  { key: 'dosingSetpoint', browseName: 'DosingRateSetpoint', displayName: 'Dosing rate setpoint', description: 'reagent dosing rate setpoint', unit: KG_PER_HOUR, range: [0, 100] },
];

/** String node ids in the server's own namespace (ns=1): `ns=1;s=R101.Measurements.ReactorTemperature`. */
export const reactorNodeId = (folder: string, browseName: string) => `ns=1;s=R101.${folder}.${browseName}`;

/** Lets a sampling client get 100 ms data; without it node-opcua clamps getters to 1000 ms (warning W30). */
const MINIMUM_SAMPLING_INTERVAL_MS = 100;

/** Zones of the jacket along its flow, inlet to outlet: Double[4] (valueRank 1), to read elements with an indexRange. */
export const JACKET_ZONES = 4;
export const jacketZonesNodeId = reactorNodeId('Measurements', 'JacketZoneTemperatures');
/** The same zones as a matrix Double[2,2] (lower/upper × front/back, row-major: [1,0] is zone 2), to read a matrix element. */
export const jacketGridNodeId = reactorNodeId('Measurements', 'JacketZoneGrid');

/** The jacket medium warms (or cools) from the inlet temperature to the outlet one along the zones. */
export function jacketZoneTemperatures(s: ReactorState): number[] {
  return Array.from({ length: JACKET_ZONES }, (_, i) => s.jacketInletTemp + ((s.jacketTemp - s.jacketInletTemp) * (i + 1)) / JACKET_ZONES);
}

export function batchState(s: ReactorState): string {
  if (s.dosingRate > 0.5) return 'dosing';
  return s.reagent > 0.05 ? 'reacting' : 'idle';
}

/** Builds Objects/R101/{Measurements,Alarms,Status,Setpoints}; returns the measurement variables by key. */
export function buildReactorAddressSpace(namespace: Namespace, objectsFolder: UAObject, state: () => ReactorState, write: (key: ReactorSetpoint['key'], value: number) => void) {
  const reactor = namespace.addObject({ organizedBy: objectsFolder, browseName: 'R101', nodeId: 's=R101', displayName: 'Jacketed batch reactor R-101' });
  const folders = new Map<string, UAObject>();
  const folderOf = (name: string) => {
    let folder = folders.get(name);
    if (!folder) {
      folder = namespace.addObject({ organizedBy: reactor, typeDefinition: 'FolderType', browseName: name, nodeId: `s=R101.${name}` });
      folders.set(name, folder);
    }
    return folder;
  };
  const variables = new Map<ReactorNode['key'], UAVariable>();
  for (const node of REACTOR_NODES) {
    const common = {
      componentOf: folderOf(node.folder), browseName: node.browseName, displayName: node.displayName, description: node.description,
      accessLevel: 'CurrentRead', userAccessLevel: 'CurrentRead',
      nodeId: reactorNodeId(node.folder, node.browseName).slice('ns=1;'.length), minimumSamplingInterval: MINIMUM_SAMPLING_INTERVAL_MS,
    };
    const variable = node.unit && node.range
      ? namespace.addAnalogDataItem({ ...common, dataType: 'Double', engineeringUnits: node.unit, engineeringUnitsRange: { low: node.range[0], high: node.range[1] } })
      : namespace.addVariable({ ...common, dataType: node.key === 'batchState' ? 'String' : 'Boolean' });
    variables.set(node.key, variable as UAVariable);
  }
  namespace.addAnalogDataItem({
    componentOf: folderOf('Measurements'), browseName: 'JacketZoneTemperatures', displayName: 'Jacket zone temperatures',
    description: `jacket medium temperature in ${JACKET_ZONES} zones from inlet to outlet`,
    nodeId: jacketZonesNodeId.slice('ns=1;'.length), minimumSamplingInterval: MINIMUM_SAMPLING_INTERVAL_MS,
    dataType: 'Double', valueRank: 1, arrayDimensions: [JACKET_ZONES], accessLevel: 'CurrentRead', userAccessLevel: 'CurrentRead',
    engineeringUnits: standardUnits.degree_celsius, engineeringUnitsRange: { low: 0, high: 150 },
    value: { get: () => new Variant({ dataType: DataType.Double, arrayType: VariantArrayType.Array, value: new Float64Array(jacketZoneTemperatures(state())) }) },
  });
  namespace.addVariable({
    componentOf: folderOf('Measurements'), browseName: 'JacketZoneGrid', displayName: 'Jacket zone grid',
    description: 'the jacket zone temperatures as 2 rows (lower, upper) × 2 sides (front, back)',
    nodeId: jacketGridNodeId.slice('ns=1;'.length), minimumSamplingInterval: MINIMUM_SAMPLING_INTERVAL_MS,
    dataType: 'Double', valueRank: 2, arrayDimensions: [2, 2], accessLevel: 'CurrentRead', userAccessLevel: 'CurrentRead',
    value: { get: () => new Variant({ dataType: DataType.Double, arrayType: VariantArrayType.Matrix, dimensions: [2, 2], value: new Float64Array(jacketZoneTemperatures(state())) }) },
  });
  for (const sp of REACTOR_SETPOINTS) {
    namespace.addAnalogDataItem({
      componentOf: folderOf('Setpoints'), browseName: sp.browseName, displayName: sp.displayName, description: sp.description,
      nodeId: reactorNodeId('Setpoints', sp.browseName).slice('ns=1;'.length), minimumSamplingInterval: MINIMUM_SAMPLING_INTERVAL_MS,
      dataType: 'Double', accessLevel: 'CurrentRead | CurrentWrite', userAccessLevel: 'CurrentRead | CurrentWrite',
      engineeringUnits: sp.unit, engineeringUnitsRange: { low: sp.range[0], high: sp.range[1] },
      value: {
        get: () => new Variant({ dataType: DataType.Double, value: state()[sp.key] }),
        set: (variant: Variant) => {
          const value = Number(variant.value);
          // OPC UA Part 8 §5.3.2.2: writes outside the EURange may be refused with BadOutOfRange.
          if (!Number.isFinite(value) || value < sp.range[0] || value > sp.range[1]) return StatusCodes.BadOutOfRange;
          write(sp.key, value);
          return StatusCodes.Good;
        },
      },
    });
  }
  return variables;
}
