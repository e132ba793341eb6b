import type { Table } from './register-bank.js';

/**
 * Communication faults a real Modbus device shows, switchable at run time from tests and the CLI.
 * Value faults (frozen values, spikes) live with each device model, which knows its measurements.
 */
export class ModbusFaults {
  /** Extra delay before every answer (a slow or overloaded device, a long RS-485 line). */
  delayMs = 0;
  private exception: { code: number; table?: Table } | undefined;
  /** "table address" -> exception code: addresses the device does not have (holes in its register map). */
  private readonly refused = new Map<string, number>();
  private silentUntil = 0;
  private readonly dropListeners: (() => void)[] = [];

  /** Answers every request (in `table`, or all) with Modbus exception `code` (application protocol §7), until cleared. */
  raise(code: number | undefined, table?: Table): void {
    this.exception = code === undefined ? undefined : { code, table };
  }

  exceptionFor(table: Table): number | undefined {
    return this.exception && (this.exception.table ?? table) === table ? this.exception.code : undefined;
  }

  /**
   * Refuses every read covering `address` of `table` with exception `code` (02 illegal data address by default),
   * as a device does for an address missing from its map, until `accept`ed or cleared.
   */
  refuse(table: Table, address: number, code = 0x02): void {
    this.refused.set(`${table} ${address}`, code);
  }

  accept(table: Table, address: number): void {
    this.refused.delete(`${table} ${address}`);
  }

  /** The exception a read of `length` from `address` gets because it covers a refused address, if any. */
  refusalFor(table: Table, address: number, length: number): number | undefined {
    for (const [key, code] of this.refused) {
      const [t, a] = key.split(' ');
      if (t === table && Number(a) >= address && Number(a) < address + length) return code;
    }
    return undefined;
  }

  /** Drops every connection and answers nothing for `ms` (a power cycle, a pulled cable). */
  disconnect(ms: number): void {
    this.silentUntil = Date.now() + ms;
    for (const drop of this.dropListeners) drop();
  }

  get silent(): boolean {
    return Date.now() < this.silentUntil;
  }

  onDisconnect(drop: () => void): void {
    this.dropListeners.push(drop);
  }

  clear(): void {
    this.delayMs = 0;
    this.exception = undefined;
    this.refused.clear();
    this.silentUntil = 0;
  }
}
