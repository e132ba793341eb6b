import { spawn, type ChildProcess } from 'node:child_process';

export interface PtyPair {
  /** The two ends: bytes written to one are read from the other, like a null-modem cable. */
  paths: [string, string];
  stop(): Promise<void>;
}

export const SOCAT_INSTALL_HINT = 'socat was not found; RTU simulation needs it: sudo apt-get install -y socat';

/**
 * A pseudo-terminal pair from socat, so Modbus RTU runs over a real serial line discipline without hardware.
 * socat prints "PTY is /dev/pts/N" for each end on stderr at -d -d.
 */
export async function startPtyPair(): Promise<PtyPair> {
  const child = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const paths = await new Promise<[string, string]>((resolve, reject) => {
    let stderr = '';
    const found: string[] = [];
    child.once('error', (err) => reject((err as NodeJS.ErrnoException).code === 'ENOENT' ? new Error(SOCAT_INSTALL_HINT) : err));
    child.once('exit', (code) => reject(new Error(`socat exited (${code}) before opening a pty pair: ${stderr.trim()}`)));
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const m of chunk.toString().matchAll(/PTY is (\/dev\/\S+)/g)) found.push(m[1]!);
      if (found.length >= 2 && /starting data transfer loop/.test(stderr)) resolve([found[0]!, found[1]!]);
    });
  });
  child.removeAllListeners('exit');
  return { paths, stop: () => stopChild(child) };
}

/** Forwards TCP connections on `port` to a serial device: a serial device server, for RTU over TCP. */
export async function startSerialTcpBridge(devicePath: string, host: string, port: number): Promise<{ stop(): Promise<void> }> {
  const child = spawn('socat', ['-d', '-d', `TCP-LISTEN:${port},bind=${host},reuseaddr,fork`, `${devicePath},raw,echo=0`], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let stderr = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`socat bridge exited (${code}): ${stderr.trim()}`)));
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/listening on/.test(stderr)) resolve();
    });
  });
  child.removeAllListeners('exit');
  return { stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
