export type LiveStatus = 'offline' | 'running' | 'idle' | 'alarm' | 'maintenance' | 'booked';

export interface StatusInputs {
  online: boolean;
  /** ms since the newest reading; undefined when there has never been one */
  dataAgeMs: number | undefined;
  staleAfterMs: number;
  inMaintenance: boolean;
  alarm: boolean;
  running: boolean;
  booked: boolean;
}

/**
 * Live status of one piece of equipment (pure). Precedence: a maintenance window says more than the
 * silence it causes; no fresh data means we cannot claim anything else; an alarm matters more than
 * whether it runs; a running machine is running whoever booked it.
 */
export function deriveStatus(s: StatusInputs): LiveStatus {
  if (s.inMaintenance) return 'maintenance';
  if (!s.online || s.dataAgeMs === undefined || s.dataAgeMs > s.staleAfterMs) return 'offline';
  if (s.alarm) return 'alarm';
  if (s.running) return 'running';
  if (s.booked) return 'booked';
  return 'idle';
}
