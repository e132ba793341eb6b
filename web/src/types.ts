import type { z } from 'zod';
import { t } from './i18n.js';
import type { Session, User } from '../../api/routes/auth/schemas.js';
import type { EquipmentDetail as EquipmentDetailSchema, EquipmentSummary } from '../../api/routes/equipment/schemas.js';
import type { History } from '../../api/routes/history/schemas.js';
import type { ReportContent as ReportContentSchema } from '../../api/reports/model.js';
import type { Booking as BookingSchema, BookingList as BookingListSchema } from '../../api/routes/bookings/schemas.js';
import type { OrgList as OrgListSchema } from '../../api/routes/people/schemas.js';
import type { ReportList as ReportListSchema, ReportSummary as ReportSummarySchema, SpecLimitList as SpecLimitListSchema, Verification } from '../../api/routes/reports/schemas.js';
import type { Run as RunSchema, RunList as RunListSchema } from '../../api/routes/runs/schemas.js';
import type { ProvenanceList, ServiceReport } from '../../api/service-report/model.js';
import type { EquipmentStatus, LiveValues } from '../../api/routes/status/schemas.js';
import type { ErrorBody as ErrorBodySchema } from '../../api/plugins/errors.js';
import type { LabConfig as LabConfigSchema } from '../../api/routes/me/schemas.js';
import type { Comparison as ComparisonSchema } from '../../api/routes/compare/schemas.js';

// Types come from the API's zod schemas (type-only imports: esbuild drops them, zod stays out of the bundle).
export type Equipment = z.infer<typeof EquipmentSummary>;
export type HistoryBody = z.infer<typeof History>;
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
export type EquipmentDetail = z.infer<typeof EquipmentDetailSchema>;
export type EquipmentProfile = EquipmentDetail['profile'];
export type SessionBody = z.infer<typeof Session>;
export type ReportContent = z.infer<typeof ReportContentSchema>;

export type Booking = z.infer<typeof BookingSchema>;
export type BookingList = z.infer<typeof BookingListSchema>;
export type OrgList = z.infer<typeof OrgListSchema>;
export type Run = z.infer<typeof RunSchema>;
export type RunList = z.infer<typeof RunListSchema>;
export type StatusEvent = z.infer<typeof EquipmentStatus>;
export type ValuesEvent = LiveValues;
export type ReportSummary = z.infer<typeof ReportSummarySchema>;
export type ReportList = z.infer<typeof ReportListSchema>;
export type VerifyResult = z.infer<typeof Verification>;
export type SpecLimitList = z.infer<typeof SpecLimitListSchema>;
export type ServiceReportBody = z.infer<typeof ServiceReport>;
export type ServiceRunList = z.infer<typeof ProvenanceList>;
export type Comparison = z.infer<typeof ComparisonSchema>;


export type Me = z.infer<typeof User>;
export type LabConfig = z.infer<typeof LabConfigSchema>;

export interface AppContext {
  me: Me | null;
  navigate(path: string): void;
  /** Renders the current page again (after a change made on it). */
  reload(): void;
}

/** A rendered page: its element, a hook run once it is in the document (charts need sizes), and its teardown. */
export interface Page {
  el: HTMLElement;
  mounted?(): void;
  dispose?(): void;
}

export const isStaff = (me: Me | null) => me?.role === 'admin' || me?.role === 'engineer';

/** Bookings that keep their slot busy (a no-show does unless its equipment's rule released it). */
export const holdsSlot = (b: Booking) => b.status === 'requested' || b.status === 'approved' || (b.status === 'no_show' && !b.slotReleased);

/** One block on the week view: a booking the user may see in full, or another organisation's busy slot. */
export interface Slot { startsAt: number; endsAt: number; label: string; status: string; bookingId: string | null }

export function calendarSlots(list: BookingList, orgNames: Map<string, string>): Slot[] {
  return [
    ...list.items.filter(holdsSlot).map((b) => ({
      startsAt: b.startsAt, endsAt: b.endsAt, status: b.status, bookingId: b.id,
      label: b.purpose ? t('calendar.slotLabel', { org: orgNames.get(b.orgId) ?? b.orgId, purpose: b.purpose }) : orgNames.get(b.orgId) ?? b.orgId,
    })),
    ...list.busy.map((b) => ({ startsAt: b.startsAt, endsAt: b.endsAt, status: 'busy', bookingId: null, label: t('booking.status.busy') })),
  ];
}
