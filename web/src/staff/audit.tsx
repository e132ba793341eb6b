import { useState } from 'preact/hooks';
import type { z } from 'zod';
import type { AuditList } from '../../../api/routes/audit/schemas.js';
import { get } from '../api.js';
import { fmtTime, t } from '../i18n.js';
import { Field, formValues, Loaded, useLoad, useSubmit } from './ui.js';

type Entry = z.infer<typeof AuditList>['items'][number];
const FILTERS = ['entity', 'entityId', 'actor', 'action'] as const;
const LIMIT = '200';

/** What changed in one write: each field whose value differs between before and after, shown as data. */
function changes(e: Entry): string[] {
  const before = (e.before ?? {}) as Record<string, unknown>;
  const after = (e.after ?? {}) as Record<string, unknown>;
  if (typeof before !== 'object' || typeof after !== 'object') return [];
  const show = (v: unknown) => { const s = JSON.stringify(v) ?? '—'; return s.length > 60 ? `${s.slice(0, 57)}…` : s; };
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => (e.before === null ? `${k} = ${show(after[k])}` : `${k}: ${show(before[k])} → ${show(after[k])}`));
}

/** `#/staff/audit` (admins): every write the API recorded, newest first, filtered by what, which, who and how. */
export function AuditPage() {
  const [query, setQuery] = useState<Record<string, string>>({});
  // Filters are query parameters: a refused one shows as the list's error, so the fields carry none of their own.
  const submit = useSubmit();
  const state = useLoad(() => get<z.infer<typeof AuditList>>(`/api/v1/audit?${new URLSearchParams({ ...query, limit: LIMIT })}`), [JSON.stringify(query)]);
  const filter = (ev: Event) => {
    const v = formValues(ev);
    setQuery(Object.fromEntries(FILTERS.map((k) => [k, (v[k] ?? '').trim()]).filter(([, x]) => x)));
  };
  return (
    <>
      <div class="page-head"><h1>{t('staff.audit.title')}</h1></div>
      <form class="inline staff-form" noValidate onSubmit={filter} data-role="audit-filter">
        {FILTERS.map((k) => <Field key={k} label={t(`staff.audit.${k}`)} name={k} submit={submit}><input name={k} defaultValue={query[k] ?? ''} /></Field>)}
        <button type="submit">{t('staff.audit.filter')}</button>
      </form>
      <Loaded state={state}>{(list) => list.items.length
        ? <table data-role="audit">
          <thead><tr><th>{t('staff.audit.at')}</th><th>{t('staff.audit.actor')}</th><th>{t('staff.audit.action')}</th><th>{t('staff.audit.entityId')}</th><th>{t('staff.audit.changes')}</th></tr></thead>
          <tbody>{list.items.map((e) => (
            <tr key={e.id} data-action={e.action}>
              <td>{fmtTime(e.at)}</td><td>{e.actorEmail ?? '—'}</td><td><code>{e.action}</code></td><td>{e.entityId}</td>
              <td><ul class="plain small">{changes(e).map((c) => <li key={c}><code>{c}</code></li>)}</ul></td>
            </tr>))}</tbody>
        </table>
        : <p class="muted empty">{t('staff.audit.empty')}</p>}
      </Loaded>
    </>
  );
}
