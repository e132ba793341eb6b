import { join } from 'node:path';
import { freePort } from '../common/runtime/ports.js';
import { demoCampaign } from './campaign.js';
import { startExtruder } from './extruder/index.js';
import { startSprayDryer } from './spray-dryer/index.js';

export interface DemoSimulators {
  /** The variables config/gateway.example.yaml reads to find the simulators. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The simulated pilot equipment of demo mode (`pilothub start` with the example gateway config): the spray dryer and
 * the extruder over Modbus TCP, the batch reactor over OPC UA, each on a free loopback port, following the demo
 * campaign (campaign.ts) `speed` times faster than real time.
 */
export async function startDemoSimulators(dataDir: string, speed = 1): Promise<DemoSimulators> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => { for (const s of stops.reverse()) await s(); };
  try {
    const dryer = await startSprayDryer({ port: await freePort() });
    stops.push(() => dryer.stop());
    const extruder = await startExtruder({ port: await freePort() });
    stops.push(() => extruder.stop());
    // node-opcua takes ~1 s to import and warns on stdout: loaded only when the demo starts.
    const { startReactor } = await import('./reactor/index.js');
    const reactor = await startReactor({ port: await freePort(), dataDir: join(dataDir, 'sim-reactor') });
    stops.push(() => reactor.stop());
    const campaign = demoCampaign({ dryer, extruder, reactor }, speed);
    stops.push(async () => campaign.stop());
    return {
      env: {
        PILOTHUB_SIM_DRYER_HOST: '127.0.0.1', PILOTHUB_SIM_DRYER_PORT: String(dryer.port),
        PILOTHUB_SIM_EXTRUDER_HOST: '127.0.0.1', PILOTHUB_SIM_EXTRUDER_PORT: String(extruder.port),
        PILOTHUB_SIM_REACTOR_HOST: '127.0.0.1', PILOTHUB_SIM_REACTOR_PORT: String(reactor.port),
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
