import { post, session } from '../api.js';
import { h } from '../dom.js';
import { clearFormError, field, showFormError } from '../form.js';
import { t } from '../i18n.js';
import type { AppContext, Me, Page, SessionBody } from '../types.js';

export function loginPage(_ctx: AppContext, onLogin: (me: Me) => void): Page {
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'username', required: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit' }, t('login.submit'));
  const form = h('form', { class: 'card login', id: 'login-form', novalidate: true },
    h('h1', null, t('login.title')),
    h('div', { class: 'form-error', role: 'alert' }),
    field(t('login.email'), email), field(t('login.password'), password), submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFormError(form);
    submit.disabled = true;
    try {
      const result = await post<SessionBody>('/api/v1/auth/login', { email: email.value, password: password.value });
      session.token = result.token;
      onLogin(result.user);
    } catch (err) {
      showFormError(form, err);
    } finally {
      submit.disabled = false;
    }
  });
  return { el: h('section', { class: 'center' }, form), mounted: () => email.focus() };
}
