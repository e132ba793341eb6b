import type { FastifyInstance, FastifyRequest } from 'fastify';
import { currentUser } from '../plugins/auth.js';
import { visibleWindows } from '../sharing/tenancy.js';
import type { TimeRange } from './windows.js';

/**
 * The time windows of `equipmentId`'s process data the caller may read (issue 6 tenancy: customers
 * only inside their own organisation's runs); null is unrestricted (operator staff).
 */
export function dataWindows(app: FastifyInstance, request: FastifyRequest, equipmentId: string): TimeRange[] | null {
  return visibleWindows(app.db, currentUser(request), equipmentId, app.now());
}
