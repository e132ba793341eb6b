import { render, type VNode } from 'preact';
import { useState } from 'preact/hooks';
import { get, patch, post } from '../api.js';
import { t } from '../i18n.js';
import { isoOrRaw, toLocalInput } from '../lab-time.js';
import type { Equipment, Run } from '../types.js';
import { Field, FormError, formValues, Loaded, useLoad, useSubmit } from './ui.js';

/** Optional time inputs: empty means "now" to the API, so an empty one is left out. */
const optionalTime = (s: string | undefined) => (s ? { value: isoOrRaw(s) } : null);

/** Staff open a run by hand on the runs page (a run opened this way closes by hand too, or by its correction). */
function OpenRunForm({ onDone }: { onDone: () => void }) {
  const equipment = useLoad(() => get<{ items: Equipment[] }>('/api/v1/equipment'));
  const submit = useSubmit();
  const open = (ev: Event) => {
    const v = formValues(ev);
    const startedAt = optionalTime(v.startedAt);
    void submit.run(async () => {
      const recipe = (v.recipe ?? '').trim();
      await post<Run>('/api/v1/runs', {
        equipmentId: v.equipmentId, ...(v.bookingId ? { bookingId: v.bookingId } : {}), ...(startedAt ? { startedAt: startedAt.value } : {}),
        ...(recipe ? { recipe } : {}), note: v.note ?? '',
      });
      onDone();
    });
  };
  return (
    <details class="card" data-role="open-run">
      <summary>{t('staff.runs.openTitle')}</summary>
      <Loaded state={equipment}>{(list) => (
        <form class="inline staff-form" noValidate onSubmit={open}>
          <FormError submit={submit} fields={['equipmentId', 'bookingId', 'startedAt', 'recipe', 'note']} />
          <Field label={t('staff.runs.equipment')} name="equipmentId" submit={submit}>
            <select name="equipmentId">{list.items.map((e) => <option key={e.id} value={e.id}>{e.name}</option>)}</select>
          </Field>
          <Field label={t('staff.runs.start')} name="startedAt" submit={submit} hint={t('staff.runs.nowHint')}><input type="datetime-local" name="startedAt" /></Field>
          <Field label={t('staff.runs.booking')} name="bookingId" submit={submit}><input name="bookingId" /></Field>
          <Field label={t('staff.runs.recipe')} name="recipe" submit={submit} hint={t('staff.runs.recipeHint')}><input name="recipe" /></Field>
          <Field label={t('staff.runs.note')} name="note" submit={submit}><input name="note" /></Field>
          <button type="submit" class="primary" disabled={submit.busy}>{t('staff.runs.open')}</button>
        </form>
      )}</Loaded>
    </details>
  );
}

/** Close an open run, or correct a run's times, booking or recipe with a note saying why (audited by the API). */
function RunActions({ run, onDone }: { run: Run; onDone: () => void }) {
  const [mode, setMode] = useState<'close' | 'correct' | null>(null);
  const submit = useSubmit();
  const act = (ev: Event) => {
    const v = formValues(ev);
    void submit.run(async () => {
      if (mode === 'close') {
        const endedAt = optionalTime(v.endedAt);
        await post(`/api/v1/runs/${encodeURIComponent(run.id)}/close`, { ...(endedAt ? { endedAt: endedAt.value } : {}), ...(v.note ? { note: v.note } : {}) });
      } else {
        // Inputs hold minutes: a time left as shown is not sent, so its seconds stay as measured.
        const changed = (typed: string | undefined, at: number | null) => (typed && typed !== (at === null ? '' : toLocalInput(at)) ? isoOrRaw(typed) : undefined);
        const booking = (v.bookingId ?? '').trim() || null;
        const recipe = (v.recipe ?? '').trim() || null;
        await patch(`/api/v1/runs/${encodeURIComponent(run.id)}`, {
          startedAt: changed(v.startedAt, run.startedAt), endedAt: changed(v.endedAt, run.endedAt), note: v.note ?? '',
          ...(booking !== run.bookingId ? { bookingId: booking } : {}), ...(recipe !== run.recipe ? { recipe } : {}),
        });
      }
      onDone();
    });
  };
  if (!mode) {
    return (
      <span class="run-actions">
        {run.endedAt === null && <button type="button" data-action="close-run" onClick={() => setMode('close')}>{t('staff.runs.close')}</button>}
        <button type="button" data-action="correct-run" onClick={() => setMode('correct')}>{t('staff.runs.correct')}</button>
      </span>
    );
  }
  return (
    <form class="inline staff-form" noValidate onSubmit={act} data-role={`${mode}-run`}>
      <FormError submit={submit} fields={['startedAt', 'endedAt', 'bookingId', 'recipe', 'note']} />
      {mode === 'correct' && <Field label={t('staff.runs.start')} name="startedAt" submit={submit}><input type="datetime-local" name="startedAt" defaultValue={toLocalInput(run.startedAt)} /></Field>}
      <Field label={t('staff.runs.end')} name="endedAt" submit={submit} hint={mode === 'close' ? t('staff.runs.nowHint') : undefined}>
        <input type="datetime-local" name="endedAt" defaultValue={mode === 'correct' && run.endedAt !== null ? toLocalInput(run.endedAt) : ''} />
      </Field>
      {mode === 'correct' && <Field label={t('staff.runs.booking')} name="bookingId" submit={submit}><input name="bookingId" defaultValue={run.bookingId ?? ''} /></Field>}
      {mode === 'correct' && <Field label={t('staff.runs.recipe')} name="recipe" submit={submit}><input name="recipe" defaultValue={run.recipe ?? ''} /></Field>}
      <Field label={t(mode === 'correct' ? 'staff.runs.why' : 'staff.runs.note')} name="note" submit={submit}><input name="note" /></Field>
      <button type="submit" class="primary" disabled={submit.busy}>{t(mode === 'close' ? 'staff.runs.close' : 'staff.runs.saveCorrection')}</button>
      <button type="button" class="link" onClick={() => { submit.clear(); setMode(null); }}>{t('staff.cancel')}</button>
    </form>
  );
}

/** The runs page is hand-written DOM: these mount the staff parts into it. */
const mount = (vnode: VNode) => { const el = document.createElement('div'); render(vnode, el); return el; };
export const openRunPanel = (onDone: () => void) => mount(<OpenRunForm onDone={onDone} />);
export const runActions = (run: Run, onDone: () => void) => mount(<RunActions run={run} onDone={onDone} />);
