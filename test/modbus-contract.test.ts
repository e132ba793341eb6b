import { modbusDriver } from '../gateway/drivers/modbus/driver.js';
import { driverContract } from './driver-contract.js';
import { sprayDryer } from './helpers/servers.js';

driverContract('modbus against the spray dryer', async () => {
  const sim = await sprayDryer();
  return {
    module: modbusDriver,
    device: {
      id: 'dryer-1', name: 'Spray dryer', protocol: 'modbus',
      connection: { transport: 'tcp', host: '127.0.0.1', port: sim.port },
      pollIntervalMs: 200, timeoutMs: 300,
      parameters: [
        { id: 'inlet_temp', name: 'Inlet', unit: '°C', table: 'input', address: 0, type: 'float32' },
        { id: 'inlet_temp_sp', name: 'Setpoint', unit: '°C', table: 'holding', address: 0, type: 'float32' },
        { id: 'running', name: 'Running', table: 'coil', address: 0, type: 'bool' },
        { id: 'alarm', name: 'Alarm', table: 'discrete', address: 0, type: 'bool' },
      ],
    },
    // The simulator drops its connections and refuses new ones until cleared: the device is away.
    takeDown: async () => sim.faults.disconnect(3_600_000),
    bringBack: async () => sim.faults.clear(),
  };
});
