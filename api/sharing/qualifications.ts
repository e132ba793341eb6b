import type { Db } from '../db/index.js';

const DAY = 86_400_000;

/**
 * A qualification is valid until `expires_after_days` pass without use; use is its grant or the
 * latest run the holder's bookings made on equipment that requires it.
 */
export function qualificationState(db: Db, userId: string, qualificationId: string, now: number): 'valid' | 'expired' | 'missing' {
  const row = db.prepare(`SELECT uq.granted_at, uq.last_used_at, q.expires_after_days FROM user_qualifications uq
    JOIN qualifications q ON q.id = uq.qualification_id WHERE uq.user_id = ? AND uq.qualification_id = ?`)
    .get(userId, qualificationId) as { granted_at: number; last_used_at: number | null; expires_after_days: number } | undefined;
  if (!row) return 'missing';
  const lastUse = Math.max(row.granted_at, row.last_used_at ?? 0);
  return now - lastUse <= row.expires_after_days * DAY ? 'valid' : 'expired';
}

export function expiresAt(row: { granted_at: number; last_used_at: number | null }, days: number): number {
  return Math.max(row.granted_at, row.last_used_at ?? 0) + days * DAY;
}

/** Records a use of the equipment's qualification by the booking's user. */
export function touchQualification(db: Db, userId: string, qualificationId: string | null, now: number): void {
  if (!qualificationId) return;
  db.prepare('UPDATE user_qualifications SET last_used_at = ? WHERE user_id = ? AND qualification_id = ?').run(now, userId, qualificationId);
}
