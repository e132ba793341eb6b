import type { VNode } from 'preact';
import { locale, t } from '../i18n.js';
import { fromDateInput, toDateInput } from '../lab-time.js';
import type { Equipment, EquipmentProfile } from '../types.js';
import { ConditionPreviewLine } from './condition-preview.js';
import { numberOrRaw } from './ui.js';

export type Draft = Record<string, unknown>;
/** What an editor gets: the field's value, a setter, and the page's context (equipment id, lists to choose from). */
export interface EditorProps { name: string; value: unknown; set: (v: unknown) => void; ctx: EditorContext }
export interface EditorContext {
  equipmentId: string;
  /** The parameters its gateway announced (id, name, unit, datatype), for editors that choose among them. */
  parameters: Equipment['parameters'];
  orgs: { id: string; name: string }[];
  qualifications: { id: string; name: string }[];
}
export type Editor = (p: EditorProps) => VNode;

/**
 * One profile field: its key in the API's profile, the section it is shown in and its editor. Its label is the
 * catalog's `staff.field.<key>` (and `staff.hint.<key>` when `hint`). A new field is one more entry here, with a
 * ready editor or its own.
 */
export interface FieldSpec { key: string; section: Section; editor: Editor; hint?: boolean }
export type Section = 'general' | 'conditions' | 'booking' | 'billing' | 'calibration';
export const SECTIONS: Section[] = ['general', 'conditions', 'booking', 'billing', 'calibration'];

const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));

export const text: Editor = ({ name, value, set }) => <input name={name} value={str(value)} onInput={(e) => set(e.currentTarget.value)} />;
export const longText: Editor = ({ name, value, set }) => <textarea name={name} rows={3} value={str(value)} onInput={(e) => set(e.currentTarget.value)} />;
export const number: Editor = ({ name, value, set }) => <input name={name} inputMode="decimal" value={str(value)} onInput={(e) => set(numberOrRaw(e.currentTarget.value))} />;
export const bool: Editor = ({ name, value, set }) => <input type="checkbox" name={name} checked={value === true} onChange={(e) => set(e.currentTarget.checked)} />;
export const date: Editor = ({ name, value, set }) => <input type="date" name={name} value={toDateInput(value as number | null)} onInput={(e) => set(fromDateInput(e.currentTarget.value))} />;
const choice = (values: string[], group: string): Editor => ({ name, value, set }) => (
  <select name={name} value={str(value)} onChange={(e) => set(e.currentTarget.value)}>
    {values.map((v) => <option key={v} value={v}>{t(`${group}.${v}`)}</option>)}
  </select>
);
export const condition: Editor = ({ name, value, set, ctx }) => (
  <div class="condition">
    <input name={name} class="mono" value={str(value)} onInput={(e) => set(e.currentTarget.value.trim() === '' ? null : e.currentTarget.value)} placeholder={t('staff.hint.conditionExample')} />
    <ConditionPreviewLine equipmentId={ctx.equipmentId} condition={str(value)} role={`preview-${name}`} />
  </div>
);
const qualification: Editor = ({ name, value, set, ctx }) => (
  <select name={name} value={str(value)} onChange={(e) => set(e.currentTarget.value || null)}>
    <option value="">{t('staff.none')}</option>
    {ctx.qualifications.map((q) => <option key={q.id} value={q.id}>{q.name}</option>)}
  </select>
);
const orgList: Editor = ({ name, value, set, ctx }) => {
  const chosen = new Set(value as string[]);
  const toggle = (id: string, on: boolean) => { const next = new Set(chosen); if (on) next.add(id); else next.delete(id); set([...next].sort()); };
  const customers = ctx.orgs.filter((o) => o.id !== 'operator');
  if (!customers.length) return <span class="muted">{t('staff.noCustomers')}</span>;
  return <span class="choices">{customers.map((o) => <label key={o.id}><input type="checkbox" name={name} checked={chosen.has(o.id)} onChange={(e) => toggle(o.id, e.currentTarget.checked)} /> {o.name}</label>)}</span>;
};

/** The board's key values, in the order ticked; none ticked is null: the first five numeric parameters. */
const keyParameters: Editor = ({ name, value, set, ctx }) => {
  const chosen = (value as string[] | null) ?? [];
  const toggle = (id: string, on: boolean) => {
    const next = on ? [...chosen, id] : chosen.filter((x) => x !== id);
    set(next.length ? next : null);
  };
  return (
    <span class="choices">{ctx.parameters.map((p) => {
      const at = chosen.indexOf(p.id);
      return <label key={p.id}><input type="checkbox" name={name} value={p.id} checked={at >= 0} onChange={(e) => toggle(p.id, e.currentTarget.checked)} /> {p.name}{at >= 0 && <span class="muted"> ({at + 1})</span>}</label>;
    })}</span>
  );
};

type Hours = NonNullable<EquipmentProfile['workingHours']>;
const SUNDAY = Date.UTC(2026, 0, 4, 12);
const dayName = (d: number) => new Intl.DateTimeFormat(locale.language, { weekday: 'short', timeZone: 'UTC' }).format(SUNDAY + d * 86_400_000);
const workingHours: Editor = ({ name, value, set }) => {
  const w = value as Hours | null;
  const change = (patch: Partial<Hours>) => set({ ...(w ?? { days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00', timeZone: locale.timeZone }), ...patch });
  return (
    <div class="working-hours">
      <label><input type="checkbox" name={name} checked={w !== null} onChange={(e) => (e.currentTarget.checked ? change({}) : set(null))} /> {t('staff.hint.workingHoursOn')}</label>
      {w && <div class="choices">
        {[0, 1, 2, 3, 4, 5, 6].map((d) => <label key={d}><input type="checkbox" name="days" checked={w.days.includes(d)} onChange={(e) => change({ days: e.currentTarget.checked ? [...w.days, d].sort() : w.days.filter((x) => x !== d) })} /> {dayName(d)}</label>)}
        <input type="time" name="from" value={w.from} onInput={(e) => change({ from: e.currentTarget.value })} />
        <input type="time" name="to" value={w.to} onInput={(e) => change({ to: e.currentTarget.value })} />
        <input name="timeZone" value={w.timeZone} onInput={(e) => change({ timeZone: e.currentTarget.value })} />
      </div>}
    </div>
  );
};

export const PROFILE_FIELDS: FieldSpec[] = [
  { key: 'name', section: 'general', editor: text },
  { key: 'kind', section: 'general', editor: text },
  { key: 'location', section: 'general', editor: text },
  { key: 'description', section: 'general', editor: longText },
  { key: 'manufacturer', section: 'general', editor: text },
  { key: 'model', section: 'general', editor: text },
  { key: 'serialNumber', section: 'general', editor: text },
  { key: 'firmware', section: 'general', editor: text },
  { key: 'keyParameters', section: 'general', editor: keyParameters, hint: true },
  { key: 'runCondition', section: 'conditions', editor: condition, hint: true },
  { key: 'runCloseAfterS', section: 'conditions', editor: number, hint: true },
  { key: 'alarmCondition', section: 'conditions', editor: condition, hint: true },
  { key: 'bookable', section: 'booking', editor: bool },
  { key: 'requiredQualification', section: 'booking', editor: qualification },
  { key: 'minBookingMin', section: 'booking', editor: number },
  { key: 'maxBookingMin', section: 'booking', editor: number },
  { key: 'leadTimeMin', section: 'booking', editor: number, hint: true },
  { key: 'bookingHorizonDays', section: 'booking', editor: number },
  { key: 'cleaningBufferMin', section: 'booking', editor: number, hint: true },
  { key: 'multiDay', section: 'booking', editor: bool },
  { key: 'workingHours', section: 'booking', editor: workingHours },
  { key: 'noShowGraceMin', section: 'booking', editor: number, hint: true },
  { key: 'noShowRelease', section: 'booking', editor: bool },
  { key: 'autoApproveAll', section: 'booking', editor: bool },
  { key: 'autoApproveOrgs', section: 'booking', editor: orgList },
  { key: 'rateInternal', section: 'billing', editor: number },
  { key: 'rateExternal', section: 'billing', editor: number },
  { key: 'billingPolicy', section: 'billing', editor: choice(['booked', 'used', 'max'], 'staff.billingPolicy'), hint: true },
  { key: 'originalValue', section: 'billing', editor: number },
  { key: 'originalValueCurrency', section: 'billing', editor: text },
  { key: 'yearlyHoursNorm', section: 'billing', editor: number, hint: true },
  { key: 'calibrationDate', section: 'calibration', editor: date },
  { key: 'calibrationDue', section: 'calibration', editor: date },
  { key: 'calibrationCertificate', section: 'calibration', editor: text },
];

/** The fields changed from the saved profile, for one PATCH. */
export const changes = (saved: Draft, draft: Draft) =>
  Object.fromEntries(PROFILE_FIELDS.map((f) => f.key).filter((k) => JSON.stringify(draft[k]) !== JSON.stringify(saved[k])).map((k) => [k, draft[k]]));
