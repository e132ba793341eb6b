import { MAX_BITS_PER_READ, MAX_REGISTERS_PER_READ } from '../../gateway/drivers/modbus/plan.js';

/**
 * The register map of one simulated Modbus unit in `npm run bench -- gateway-scale`: 1000 parameters as a PLC lays
 * them out, in blocks with unused registers between them (12 registers, more than the gateway's default maxGap of 8,
 * so every block is a request of its own): 500 float32 CDAB input registers in blocks of 50, 200 int32 CDAB holding
 * registers in blocks of 40, 100 status bits packed in 7 holding registers, 200 coils in two blocks far apart.
 */
export const FLOATS = { count: 500, perBlock: 50, gap: 12 };
export const INTS = { count: 200, perBlock: 40, gap: 12 };
export const BITS = { count: 100, register: 2000 };
export const COILS = { count: 200, perBlock: 100, stride: 400 };
export const TAGS_PER_UNIT = FLOATS.count + INTS.count + BITS.count + COILS.count;
export const BANK_SIZE = 2100;

export const floatAddress = (i: number) => Math.floor(i / FLOATS.perBlock) * (FLOATS.perBlock * 2 + FLOATS.gap) + (i % FLOATS.perBlock) * 2;
export const intAddress = (i: number) => Math.floor(i / INTS.perBlock) * (INTS.perBlock * 2 + INTS.gap) + (i % INTS.perBlock) * 2;
export const coilAddress = (i: number) => Math.floor(i / COILS.perBlock) * COILS.stride + (i % COILS.perBlock);

/** The fewest requests one unit's parameters can take, from the protocol limits and the layout alone. */
export const OPTIMAL_REQUESTS_PER_UNIT =
  Math.ceil(FLOATS.count / FLOATS.perBlock) * Math.ceil((FLOATS.perBlock * 2) / MAX_REGISTERS_PER_READ) +
  Math.ceil(INTS.count / INTS.perBlock) * Math.ceil((INTS.perBlock * 2) / MAX_REGISTERS_PER_READ) +
  Math.ceil(Math.ceil(BITS.count / 16) / MAX_REGISTERS_PER_READ) +
  Math.ceil(COILS.count / COILS.perBlock) * Math.ceil(COILS.perBlock / MAX_BITS_PER_READ);

export interface FarmLayout {
  /** TCP servers (one port each). */
  ports: number;
  /** Unit ids served by each port (1..n). */
  unitsPerPort: number;
}


/**
 * The gateway YAML: one device per unit, each with its own connection (a Modbus TCP gateway in front of several
 * controllers routes by unit id and takes a connection per client), so the units of a port are read in parallel.
 */
export function modbusDevicesYaml(ports: number[], unitsPerPort: number, pollIntervalMs: number): string {
  const devices: string[] = [];
  ports.forEach((port, d) => {
    for (let u = 1; u <= unitsPerPort; u++) {
      const lines: string[] = [];
      for (let i = 0; i < FLOATS.count; i++) lines.push(`      - { id: f${i}, name: F${i}, table: input, address: ${floatAddress(i)}, type: float32, order: CDAB }`);
      for (let i = 0; i < INTS.count; i++) lines.push(`      - { id: i${i}, name: I${i}, table: holding, address: ${intAddress(i)}, type: int32, order: CDAB, scale: 0.1 }`);
      for (let i = 0; i < BITS.count; i++) lines.push(`      - { id: b${i}, name: B${i}, table: holding, address: ${BITS.register + Math.floor(i / 16)}, type: bit, bit: ${i % 16} }`);
      for (let i = 0; i < COILS.count; i++) lines.push(`      - { id: c${i}, name: C${i}, table: coil, address: ${coilAddress(i)}, type: bool }`);
      devices.push(`  - id: plc-${d}-${u}
    name: Bench PLC ${d} unit ${u}
    protocol: modbus
    connection: { transport: tcp, host: 127.0.0.1, port: ${port}, unitId: ${u} }
    pollIntervalMs: ${pollIntervalMs}
    parameters:
${lines.join('\n')}`);
    }
  });
  return devices.join('\n');
}
