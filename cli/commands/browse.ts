import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { browseVariables, configSnippet, formatValue, nodeFilter, outsideRange, type BrowsedVariable } from '../../gateway/drivers/opcua/browse.js';
import { SecurityMode, SecurityPolicyName } from '../../gateway/drivers/opcua/config.js';
import { loadOpcua } from '../../gateway/drivers/opcua/monitoring.js';
import { acquireCertificateManager, checkServerCertificate, pkiFolder, releaseCertificateManager } from '../../gateway/drivers/opcua/pki.js';

export interface BrowseOptions {
  start?: string;
  nodes: string[];
  depth: number;
  securityMode: 'None' | 'Sign' | 'SignAndEncrypt';
  securityPolicy: 'Basic256Sha256' | 'Aes128_Sha256_RsaOaep' | 'Aes256_Sha256_RsaPss';
  user?: string;
  password?: string;
  /** The gateway's data dir: its OPC UA PKI (own certificate, trusted/rejected servers) is shared with the gateway. */
  dataDir: string;
}

/** Connects like the gateway would, lists the variables (filtered by `nodes`) and builds a config snippet. */
export async function browseServer(endpointUrl: string, options: BrowseOptions): Promise<{ variables: BrowsedVariable[]; snippet: string }> {
  const ua = await loadOpcua();
  const pki = pkiFolder(options.dataDir);
  const certificateManager = await acquireCertificateManager(ua, pki);
  const client = ua.OPCUAClient.create({
    applicationName: 'pilothub-gateway', clientCertificateManager: certificateManager, endpointMustExist: false,
    securityMode: ua.MessageSecurityMode[options.securityMode],
    securityPolicy: options.securityMode === 'None' ? ua.SecurityPolicy.None : ua.SecurityPolicy[options.securityPolicy],
    connectionStrategy: { maxRetry: 0 },
  });
  try {
    if (options.securityMode !== 'None') await checkServerCertificate(ua, certificateManager, pki, endpointUrl, 10_000);
    await client.connect(endpointUrl);
    const session = await client.createSession(options.user
      ? { type: ua.UserTokenType.UserName, userName: options.user, password: options.password ?? '' }
      : { type: ua.UserTokenType.Anonymous });
    try {
      const variables = (await browseVariables(ua, session, options.start, options.depth)).filter(nodeFilter(options.nodes));
      const snippet = configSnippet(endpointUrl, variables, { securityMode: options.securityMode, securityPolicy: options.securityPolicy, username: options.user });
      return { variables, snippet };
    } finally {
      await session.close();
    }
  } finally {
    await client.disconnect();
    await releaseCertificateManager(pki);
  }
}

export function formatVariables(variables: BrowsedVariable[]): string {
  // The value beside the range, flagged when outside it: browse then leaves the range out of the snippet.
  const rows = variables.map((v) => [
    v.path, v.nodeId, v.dataType, v.unit, v.range ? `${v.range.min}..${v.range.max}` : '', `${formatValue(v.value)}${outsideRange(v) ? ' (outside range)' : ''}`, v.writable ? 'rw' : 'r',
  ]);
  const header = ['path', 'node id', 'data type', 'unit', 'range', 'value', 'access'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function registerBrowse(program: Command): void {
  program.command('browse')
    .argument('<endpoint>', 'OPC UA endpoint, e.g. opc.tcp://192.168.0.10:4840')
    .description('list the variables of an OPC UA server (data type, unit, range) and print a gateway config snippet for them')
    .option('--start <nodeId>', 'browse below this node instead of the Objects folder, e.g. "ns=1;s=R101"')
    .option('--nodes <patterns>', 'comma-separated node ids or globs over browse paths ("R101/Measurements/*", "**/Temp*")', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean), [] as string[])
    .option('--depth <n>', 'levels to descend', (v: string) => Number.parseInt(v, 10), 10)
    .addOption(new Option('--security-mode <mode>', 'message security mode').choices(SecurityMode.options).default('None'))
    .addOption(new Option('--security-policy <policy>', 'security policy for Sign / SignAndEncrypt').choices(SecurityPolicyName.options).default('Basic256Sha256'))
    .option('--user <name>', 'user name (default: anonymous)')
    .addOption(new Option('--password <password>', 'password for --user').env('OPCUA_PASSWORD'))
    .option('--data-dir <dir>', 'gateway data dir holding the OPC UA PKI (trusted/rejected server certificates)', resolve(process.env.PILOTHUB_DATA_DIR ?? 'data', 'gateway'))
    .option('--snippet-only', 'print only the YAML snippet')
    .action(async (endpoint: string, options: Omit<BrowseOptions, 'nodes'> & { nodes: string[]; snippetOnly?: boolean }) => {
      if (!/^opc\.tcp:\/\//.test(endpoint)) throw new Error(`"${endpoint}" is not an OPC UA endpoint (opc.tcp://host:port)`);
      const { variables, snippet } = await browseServer(endpoint, { ...options, dataDir: resolve(options.dataDir) });
      if (!options.snippetOnly) {
        process.stdout.write(`${variables.length} variable(s) at ${endpoint}${options.nodes.length ? ` matching ${options.nodes.join(', ')}` : ''}\n\n${formatVariables(variables)}\n\n`);
        process.stdout.write(`# device block for the gateway config (paste under "devices:"); PKI: ${join(pkiFolder(resolve(options.dataDir)))}\n`);
      }
      process.stdout.write(snippet);
    });
}
