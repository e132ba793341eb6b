import { teardown } from './teardown.js';
import { freePort } from '../../common/runtime/ports.js';
import { startReactor, type ReactorOptions, type ReactorSim } from '../../simulators/reactor/index.js';
import { tempDir } from './servers.js';

/**
 * The OPC UA reactor simulator on a free loopback port, PKI in a temp dir, stopped after the file.
 * Kept apart from servers.ts so that test files without OPC UA do not import node-opcua (~1 s).
 */
export async function reactor(options: Partial<Omit<ReactorOptions, 'port' | 'dataDir'>> = {}): Promise<ReactorSim> {
  const sim = await startReactor({ port: await freePort(), dataDir: tempDir('pilothub-reactor-'), ...options });
  teardown(() => sim.stop());
  return sim;
}
