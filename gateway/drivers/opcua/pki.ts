import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { OPCUACertificateManager } from 'node-opcua';

type Opcua = typeof import('node-opcua');

/** The gateway's OPC UA PKI: its own certificate and key, trusted/ and rejected/ server certificates. */
export const pkiFolder = (dataDir: string) => join(dataDir, 'opcua', 'pki');

const managers = new Map<string, { manager: Promise<OPCUACertificateManager>; users: number }>();

/**
 * One certificate manager per PKI folder and process: every OPC UA device of a gateway shares the
 * gateway's application certificate, and two managers on one folder would race on its files.
 */
export async function acquireCertificateManager(opcua: Opcua, rootFolder: string): Promise<OPCUACertificateManager> {
  let entry = managers.get(rootFolder);
  if (!entry) {
    // An unknown server certificate is refused and written to rejected/ (OPC UA Part 4 §6.1.3): trust is an operator's decision.
    const manager = new opcua.OPCUACertificateManager({ rootFolder, automaticallyAcceptUnknownCertificate: false, name: 'pilothub-gateway' });
    entry = { manager: manager.initialize().then(() => manager), users: 0 };
    managers.set(rootFolder, entry);
  }
  entry.users++;
  return entry.manager;
}

export async function releaseCertificateManager(rootFolder: string): Promise<void> {
  const entry = managers.get(rootFolder);
  if (!entry || --entry.users > 0) return;
  managers.delete(rootFolder);
  await (await entry.manager).dispose();
}

/**
 * When a connection failed because the server's certificate is not trusted, says which file to move
 * where. node-opcua writes an unknown certificate to rejected/ as `<common name>[<thumbprint>].pem`;
 * the thumbprint, when known, picks the right one, otherwise the newest file is named.
 */
export function untrustedCertificateHint(rootFolder: string, serverThumbprint?: string): string {
  const rejected = join(rootFolder, 'rejected');
  const trusted = join(rootFolder, 'trusted', 'certs');
  let files: string[] = [];
  try {
    files = readdirSync(rejected).filter((f) => /\.(pem|der)$/.test(f));
  } catch {
    // rejected/ not created yet: nothing to name.
  }
  const byThumbprint = serverThumbprint ? files.find((f) => f.toLowerCase().includes(serverThumbprint.toLowerCase())) : undefined;
  const newest = files.map((f) => ({ f, mtime: statSync(join(rejected, f)).mtimeMs })).sort((a, b) => b.mtime - a.mtime)[0]?.f;
  const file = byThumbprint ?? newest;
  if (!file) return `the server certificate is not trusted; put the server's certificate into ${trusted}/`;
  return `the server certificate is not trusted: move ${join(rejected, file)} to ${join(trusted, file)} to trust it (the gateway retries by itself)`;
}

/** A server certificate the gateway does not trust; its message says which file to move where. */
export class UntrustedServerCertificateError extends Error {
  override readonly name = 'UntrustedServerCertificateError';
}

/**
 * Checks the server's certificate against trusted/ before a secured connection. node-opcua's client
 * does the same check inside its retry loop but only reports it on the console; checking here lets the
 * gateway log one clear error that names the file (the check also writes an unknown certificate to rejected/).
 */
export async function checkServerCertificate(opcua: Opcua, certificateManager: OPCUACertificateManager, rootFolder: string, endpointUrl: string, timeoutMs: number): Promise<void> {
  const discovery = opcua.OPCUAClient.create({
    applicationName: 'pilothub-gateway', clientCertificateManager: certificateManager, endpointMustExist: false,
    connectionStrategy: { maxRetry: 0 }, transportTimeout: timeoutMs, defaultTransactionTimeout: timeoutMs,
  });
  try {
    await discovery.connect(endpointUrl);
    const endpoints = await discovery.getEndpoints();
    const certificate = endpoints.find((e) => e.serverCertificate && e.serverCertificate.length > 0)?.serverCertificate;
    if (!certificate) return;
    const status = await certificateManager.checkCertificate(certificate);
    if (status.isGood()) return;
    const thumbprint = createHash('sha1').update(certificate).digest('hex');
    throw new UntrustedServerCertificateError(`${untrustedCertificateHint(rootFolder, thumbprint)} [${status.toString()}]`);
  } finally {
    await discovery.disconnect().catch(() => undefined);
  }
}

/** The gateway's own certificate, for operators who must trust it on the server side. */
export function ownCertificateFile(rootFolder: string): string | undefined {
  const file = join(rootFolder, 'own', 'certs', 'client_certificate.pem');
  try {
    readFileSync(file);
    return file;
  } catch {
    return undefined;
  }
}
