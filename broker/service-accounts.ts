import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import type { Account } from './accounts.js';
import { generatePassword, type UserStore } from './user-store.js';

/**
 * The accounts `npm start` gives its own components (gateway, ingest, API): a random password kept in
 * `{secretsDir}/mqtt-{username}.password` (mode 0600, created on first start), and the account's rights
 * brought up to date on every start, so a gateway config that gained equipment is allowed to publish it.
 */
export async function ensureServiceAccount(users: UserStore, account: Account, secretsDir: string): Promise<{ username: string; password: string }> {
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const file = join(secretsDir, `mqtt-${account.username}.password`);
  let password: string;
  if (existsSync(file)) {
    password = readFileSync(file, 'utf8').trim();
  } else {
    password = generatePassword();
    writeFileSync(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  const stored = await users.verify(account.username, password);
  if (!stored || !isDeepStrictEqual(stored, account)) await users.set(account, password);
  return { username: account.username, password };
}
