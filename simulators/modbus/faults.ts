import type { Table } from './register-bank.js';

/**
 * Communication faults a real Modbus device shows, switchable at run time from tests and the CLI.
 * Value faults (frozen values, spikes) live with each device model, which knows its measurements.
 */
export class ModbusFaults {
  /** Extra delay before every answer (a slow or overloaded device, a long RS-485 line). */
  delayMs = 0;
  private exception: { code: number; table?: Table } | undefined;
  private silentUntil = 0;
  private readonly dropListeners: (() => void)[] = [];

  /** Answers every request (in `table`, or all) with Modbus exception `code` (application protocol §7), until cleared. */
  raise(code: number | undefined, table?: Table): void {
    this.exception = code === undefined ? undefined : { code, table };
  }

  exceptionFor(table: Table): number | undefined {
    return this.exception && (this.exception.table ?? table) === table ? this.exception.code : undefined;
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
    this.silentUntil = 0;
  }
}
