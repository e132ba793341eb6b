import { ApiFailure } from './api.js';
import { h, replace } from './dom.js';
import { t } from './i18n.js';

/**
 * Shows an API error on a form: the API's message in the form's banner and each field issue next to
 * its input (matched on the last segment of the issue's field path, e.g. "body.start" -> name="start").
 * Inputs are never reset, so nothing typed is lost when the API rejects the form. Each message is shown once:
 * when every issue sits next to its field, the banner only says to correct the marked fields.
 */
export function showFormError(form: HTMLElement, err: unknown): void {
  clearFormError(form);
  const banner = form.querySelector('.form-error') ?? form.insertBefore(h('div', { class: 'form-error', role: 'alert' }), form.firstChild);
  const failure = err instanceof ApiFailure ? err : new ApiFailure(0, (err as Error).message);
  let placed = 0;
  for (const issue of failure.issues) {
    const name = issue.field.split('.').filter((s) => !/^\d+$/.test(s)).at(-1);
    const input = name ? form.querySelector<HTMLElement>(`[name="${CSS.escape(name)}"]`) : null;
    if (!input) continue;
    input.classList.add('invalid');
    input.setAttribute('aria-invalid', 'true');
    input.insertAdjacentElement('afterend', h('span', { class: 'field-error', 'data-field': name }, issue.message));
    placed++;
  }
  const message = placed && placed === failure.issues.length ? t('form.fixFields') : failure.message;
  replace(banner as HTMLElement, failure.status ? `${failure.status}: ${message}` : message);
}

export function clearFormError(form: HTMLElement): void {
  form.querySelector('.form-error')?.replaceChildren();
  form.querySelectorAll('.field-error').forEach((e) => e.remove());
  form.querySelectorAll('.invalid').forEach((e) => { e.classList.remove('invalid'); e.removeAttribute('aria-invalid'); });
}

/** A banner for page-level errors (a failed load), with the API's message. */
export function errorBox(err: unknown): HTMLElement {
  const failure = err instanceof ApiFailure ? err : new ApiFailure(0, (err as Error).message);
  return h('div', { class: 'error-box', role: 'alert' }, failure.status ? `${failure.status}: ${failure.message}` : failure.message);
}

export const field = (label: string, input: HTMLElement) => h('label', { class: 'field' }, h('span', null, label), input);
