import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataType, OPCUACertificateManager, OPCUAServer, StatusCodes, Variant, type UAVariable } from 'node-opcua';
import { freePort } from '../../common/runtime/ports.js';

/**
 * Child process of the gateway-scale bench: one OPC UA server with `count` Double variables `ns=1;s=V{i}`, every one
 * changing once a second. MinimumSamplingInterval 0 makes them exception-based (OPC UA Part 4 §5.12.1.2): a client
 * monitoring them with samplingInterval 0 gets each change without a sampling timer per item on the server, so ten
 * thousand items cost the simulator one setValueFromSource each per second.
 * IPC: receives { count, dataDir }, answers { port } when listening; 'requests' -> { cpu }; 'stop' -> exits.
 */
const { count, dataDir } = await new Promise<{ count: number; dataDir: string }>((resolve) => process.once('message', (m) => resolve(m as never)));
mkdirSync(join(dataDir, 'pki'), { recursive: true });
const port = await freePort();
const server = new OPCUAServer({
  port, host: '127.0.0.1', hostname: '127.0.0.1',
  serverCertificateManager: new OPCUACertificateManager({ rootFolder: join(dataDir, 'pki', 'server'), automaticallyAcceptUnknownCertificate: true }),
  userCertificateManager: new OPCUACertificateManager({ rootFolder: join(dataDir, 'pki', 'user'), automaticallyAcceptUnknownCertificate: true }),
  maxAllowedSessionNumber: 10,
  serverCapabilities: { maxMonitoredItems: 200_000, maxMonitoredItemsPerSubscription: 200_000 } as never,
  isAuditing: false,
});
await server.initialize();
const namespace = server.engine.addressSpace!.getOwnNamespace();
const folder = namespace.addFolder(server.engine.addressSpace!.rootFolder.objects, { browseName: 'Bench' });
const variables: UAVariable[] = [];
for (let i = 0; i < count; i++) {
  variables.push(namespace.addVariable({
    componentOf: folder, browseName: `V${i}`, nodeId: `s=V${i}`, dataType: 'Double', minimumSamplingInterval: 0,
    value: new Variant({ dataType: DataType.Double, value: i }),
  }));
}
await server.start();

let tick = 0;
const timer = setInterval(() => {
  tick++;
  const now = new Date();
  for (let i = 0; i < variables.length; i++) {
    variables[i]!.setValueFromSource(new Variant({ dataType: DataType.Double, value: i + Math.sin(tick * 0.3 + i) }), StatusCodes.Good, now);
  }
}, 1000);

process.on('message', async (m) => {
  if (m === 'requests') process.send!({ requests: 0, cpu: process.cpuUsage() });
  if (m === 'stop') {
    clearInterval(timer);
    await server.shutdown(0);
    process.exit(0);
  }
});
process.send!({ port });
