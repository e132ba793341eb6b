import Database from 'better-sqlite3';
import type { EquipmentOwners } from './provenance.js';

/**
 * The account bindings for ingest run alone (`pilothub ingest`), read from the broker's user store file
 * (`{data}/broker/users.sqlite`, table `equipment_bindings` that broker/user-store.ts keeps): ingest may not import
 * the broker, and under `npm start` it is handed the store itself. Read-only; every lookup sees the last commit, so a
 * `pilothub user add` applies without restarting ingest.
 */
export function equipmentOwnersFromFile(file: string): EquipmentOwners {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const owner = db.prepare('SELECT username, site, gateway FROM equipment_bindings WHERE equipment = ?');
  return { ownerOf: (equipment) => owner.get(equipment) as ReturnType<EquipmentOwners['ownerOf']> };
}
