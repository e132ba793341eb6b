import type { z } from 'zod';
import type { SpecLimitList } from '../../../api/routes/reports/schemas.js';
import { get, patch, post, request } from '../api.js';
import { t } from '../i18n.js';
import type { Equipment } from '../types.js';
import { ErrorBox, Field, FormError, formValues, Loaded, numberOrRaw, useLoad, useSubmit } from './ui.js';

type Limit = z.infer<typeof SpecLimitList>['items'][number];
const LIMIT_FIELDS = ['parameter', 'recipe', 'low', 'high', 'target'];

/** Specification limits of one piece of equipment, per parameter and optionally per recipe (staff). */
export function SpecLimits({ equipmentId, parameters }: { equipmentId: string; parameters: Equipment['parameters'] }) {
  const state = useLoad(() => get<z.infer<typeof SpecLimitList>>(`/api/v1/spec-limits?equipment=${encodeURIComponent(equipmentId)}`), [equipmentId]);
  const submit = useSubmit();
  const add = (ev: Event) => {
    const form = ev.currentTarget as HTMLFormElement;
    const v = formValues(ev);
    void submit.run(async () => {
      await post('/api/v1/spec-limits', { equipmentId, parameter: v.parameter, recipe: v.recipe?.trim() || null, low: numberOrRaw(v.low ?? ''), high: numberOrRaw(v.high ?? ''), target: numberOrRaw(v.target ?? '') });
      form.reset();
      state.reload();
    });
  };
  const name = (id: string) => parameters.find((p) => p.id === id)?.name ?? id;
  return (
    <div class="card" data-role="spec-limits">
      <h2>{t('staff.spec.title')}</h2>
      <Loaded state={state}>{(list) => list.items.length
        ? <table>
          <thead><tr><th>{t('staff.spec.parameter')}</th><th>{t('staff.spec.recipe')}</th><th>{t('staff.spec.low')}</th><th>{t('staff.spec.high')}</th><th>{t('staff.spec.target')}</th><th /></tr></thead>
          <tbody>{list.items.map((l) => <LimitRow key={l.id} limit={l} name={name(l.parameter)} onChange={state.reload} />)}</tbody>
        </table>
        : <p class="muted empty">{t('staff.spec.empty')}</p>}
      </Loaded>
      <form class="inline staff-form" noValidate onSubmit={add} data-role="add-spec-limit">
        <FormError submit={submit} fields={LIMIT_FIELDS} />
        <Field label={t('staff.spec.parameter')} name="parameter" submit={submit}>
          <select name="parameter">{parameters.filter((p) => p.datatype === 'number').map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}</select>
        </Field>
        <Field label={t('staff.spec.recipe')} name="recipe" submit={submit}><input name="recipe" placeholder={t('staff.spec.anyRecipe')} /></Field>
        <Field label={t('staff.spec.low')} name="low" submit={submit}><input name="low" inputMode="decimal" /></Field>
        <Field label={t('staff.spec.high')} name="high" submit={submit}><input name="high" inputMode="decimal" /></Field>
        <Field label={t('staff.spec.target')} name="target" submit={submit}><input name="target" inputMode="decimal" /></Field>
        <button type="submit" disabled={submit.busy}>{t('staff.spec.add')}</button>
      </form>
    </div>
  );
}

function LimitRow({ limit, name, onChange }: { limit: Limit; name: string; onChange: () => void }) {
  const submit = useSubmit();
  const save = (ev: Event) => {
    const v = formValues(ev);
    void submit.run(async () => {
      await patch(`/api/v1/spec-limits/${encodeURIComponent(limit.id)}`, { low: numberOrRaw(v.low ?? ''), high: numberOrRaw(v.high ?? ''), target: numberOrRaw(v.target ?? '') });
      onChange();
    });
  };
  const remove = () => void submit.run(async () => { await request('DELETE', `/api/v1/spec-limits/${encodeURIComponent(limit.id)}`); onChange(); });
  const form = `limit-${limit.id}`;
  const cell = (field: 'low' | 'high' | 'target') => (
    <td><input form={form} name={field} inputMode="decimal" size={8} defaultValue={limit[field] === null ? '' : String(limit[field])} aria-label={t(`staff.spec.${field}`)} />
      {submit.fieldError(field) && <span class="field-error" data-field={field}>{submit.fieldError(field)}</span>}</td>
  );
  return (
    <tr data-limit={limit.id} data-parameter={limit.parameter}>
      <td>{name}</td><td>{limit.recipe ?? t('staff.spec.anyRecipe')}</td>{cell('low')}{cell('high')}{cell('target')}
      <td>
        <form id={form} class="inline" noValidate onSubmit={save}>
          <button type="submit" disabled={submit.busy}>{t('staff.save')}</button>
          <button type="button" onClick={remove} disabled={submit.busy}>{t('staff.delete')}</button>
        </form>
        {submit.error && !submit.error.issues.length && <ErrorBox error={submit.error} />}
      </td>
    </tr>
  );
}
