import { render } from 'preact';
import { post } from '../api.js';
import { LANGUAGES, t } from '../i18n.js';
import type { ReportSummary } from '../types.js';
import { Field, FormError, formValues, useSubmit } from './ui.js';

/**
 * Staff amend an issued report (after a run was corrected, or a method misnamed): a new version is issued over the
 * run's data as it is now, with the reason printed on it; the original stays as issued.
 */
function AmendForm({ reportId, method, onIssued }: { reportId: string; method: string; onIssued: (id: string) => void }) {
  const submit = useSubmit();
  const amend = (ev: Event) => {
    const v = formValues(ev);
    void submit.run(async () => {
      const issued = await post<ReportSummary>(`/api/v1/reports/${encodeURIComponent(reportId)}/amendments`, {
        reason: v.reason ?? '', ...(v.method && v.method !== method ? { method: v.method } : {}), ...(v.language ? { language: v.language } : {}),
      });
      onIssued(issued.id);
    });
  };
  return (
    <details class="card" data-role="amend-report">
      <summary>{t('staff.amend.title')}</summary>
      <form class="staff-form" noValidate onSubmit={amend}>
        <FormError submit={submit} fields={['reason', 'method', 'language']} />
        <Field label={t('staff.amend.reason')} name="reason" submit={submit} hint={t('staff.amend.reasonHint')}><textarea name="reason" rows={2} /></Field>
        <Field label={t('staff.amend.method')} name="method" submit={submit}><input name="method" defaultValue={method} /></Field>
        <Field label={t('staff.amend.language')} name="language" submit={submit}>
          <select name="language">
            <option value="">{t('staff.amend.sameLanguage')}</option>
            {LANGUAGES.map((l) => <option key={l} value={l} lang={l}>{t(`language.${l}`)}</option>)}
          </select>
        </Field>
        <button type="submit" class="primary" disabled={submit.busy}>{t('staff.amend.issue')}</button>
      </form>
    </details>
  );
}

/** The report page is hand-written DOM: this mounts the amendment form into it. */
export function amendPanel(reportId: string, method: string, onIssued: (id: string) => void): HTMLElement {
  const el = document.createElement('div');
  render(<AmendForm reportId={reportId} method={method} onIssued={onIssued} />, el);
  return el;
}
