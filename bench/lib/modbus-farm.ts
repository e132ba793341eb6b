import { freePort } from '../../common/runtime/ports.js';
import { RegisterBank } from '../../simulators/modbus/register-bank.js';
import { serveModbusTcp, type ModbusSimServer } from '../../simulators/modbus/server.js';
import { BANK_SIZE, BITS, COILS, FLOATS, INTS, coilAddress, floatAddress, intAddress, type FarmLayout } from './modbus-layout.js';

/**
 * Child process of the gateway-scale bench: `ports` Modbus TCP simulators with `unitsPerPort` units each, laid out
 * as in modbus-layout.ts. Values change once a second in bulk: floats and ints are computed into typed arrays whose
 * 16-bit halves are already CDAB on a little-endian machine (low word first) and copied block by block into the
 * register banks, so 100 000 changing parameters cost the simulator a few milliseconds per second.
 * IPC: receives the layout, answers { ports } when listening; 'requests' -> { requests }; 'stop' -> exits.
 */
interface Unit { bank: RegisterBank; floats: Float32Array; ints: Int32Array; seed: number }

const layout = await new Promise<FarmLayout>((resolve) => process.once('message', (m) => resolve(m as FarmLayout)));
const sims: ModbusSimServer[] = [];
const units: Unit[] = [];
for (let p = 0; p < layout.ports; p++) {
  const banks = new Map<number, RegisterBank>();
  for (let u = 1; u <= layout.unitsPerPort; u++) {
    const unit: Unit = { bank: new RegisterBank(BANK_SIZE), floats: new Float32Array(FLOATS.count), ints: new Int32Array(INTS.count), seed: units.length };
    banks.set(u, unit.bank);
    units.push(unit);
  }
  sims.push(await serveModbusTcp({ units: banks, port: await freePort() }));
}

let tick = 0;
const step = () => {
  tick++;
  for (const { bank, floats, ints, seed } of units) {
    for (let i = 0; i < floats.length; i++) floats[i] = 20 + seed + i * 0.01 + Math.sin(tick * 0.3 + i) * 5;
    for (let i = 0; i < ints.length; i++) ints[i] = (seed * 1000 + i * 7 + tick * 13) % 100_000;
    const f16 = new Uint16Array(floats.buffer);
    for (let b = 0; b < FLOATS.count / FLOATS.perBlock; b++) bank.input.set(f16.subarray(b * FLOATS.perBlock * 2, (b + 1) * FLOATS.perBlock * 2), floatAddress(b * FLOATS.perBlock));
    const i16 = new Uint16Array(ints.buffer);
    for (let b = 0; b < INTS.count / INTS.perBlock; b++) bank.holding.set(i16.subarray(b * INTS.perBlock * 2, (b + 1) * INTS.perBlock * 2), intAddress(b * INTS.perBlock));
    for (let w = 0; w < Math.ceil(BITS.count / 16); w++) bank.holding[BITS.register + w] = (tick * 40_503 + w * 977 + seed) & 0xffff;
    for (let i = 0; i < COILS.count; i++) bank.coil[coilAddress(i)] = (i + tick + seed) & 1;
  }
};
step();
const timer = setInterval(step, 1000);

const requests = () => sims.reduce((n, s) => n + Object.values(s.requestCount).reduce((a, b) => a + b, 0), 0);
process.on('message', async (m) => {
  if (m === 'requests') process.send!({ requests: requests(), cpu: process.cpuUsage() });
  if (m === 'stop') {
    clearInterval(timer);
    for (const sim of sims) await sim.stop();
    process.exit(0);
  }
});
process.send!({ ports: sims.map((s) => s.port) });
