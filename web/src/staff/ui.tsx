import type { ComponentChildren, JSX, VNode } from 'preact';
import { render } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure } from '../api.js';
import { t } from '../i18n.js';
import type { Page } from '../types.js';

/** A Preact component as one of the router's pages: rendered into its element, unmounted when the page goes. */
export function preactPage(vnode: VNode, tag: 'section' | 'div' = 'section'): Page {
  const el = document.createElement(tag);
  render(vnode, el);
  return { el, dispose: () => render(null, el) };
}

const asFailure = (err: unknown) => (err instanceof ApiFailure ? err : new ApiFailure(0, (err as Error).message));
/** An API issue belongs to a field when its path names it ("body.workingHours.from" belongs to workingHours and from). */
const issueIn = (field: string, name: string) => field.split('.').includes(name);

/**
 * One submission's state for a form: busy while it runs, the API's error kept with its field issues so each shows
 * next to its input (`<Field name>`) and the banner only says to correct them, as form.ts does for the older pages.
 */
export function useSubmit() {
  const [error, setError] = useState<ApiFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (work: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await work();
      return true;
    } catch (err) {
      setError(asFailure(err));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const fieldError = (name: string) => error?.issues.filter((i) => issueIn(i.field, name)).map((i) => i.message).join('; ') || null;
  return { error, busy, run, fieldError, clear: () => setError(null) };
}
export type Submit = ReturnType<typeof useSubmit>;

/** The form's banner: the API's message, or only "correct the marked fields" when each issue is shown at its field. */
export function FormError({ submit, fields }: { submit: Submit; fields: string[] }) {
  const e = submit.error;
  if (!e) return <div class="form-error" role="alert" />;
  const placed = e.issues.length > 0 && e.issues.every((i) => fields.some((f) => issueIn(i.field, f)));
  const message = placed ? t('form.fixFields') : e.message;
  return <div class="form-error" role="alert">{e.status ? `${e.status}: ${message}` : message}</div>;
}

/** A labelled input with its field error beside it; the child input carries `name`, as in form.ts. */
export function Field({ label, name, submit, children, hint }: { label: string; name: string; submit: Submit; children: ComponentChildren; hint?: string }) {
  const message = submit.fieldError(name);
  return (
    <label class={message ? 'field has-error' : 'field'}>
      <span>{label}</span>
      {children}
      {message && <span class="field-error" data-field={name}>{message}</span>}
      {hint && <span class="muted small">{hint}</span>}
    </label>
  );
}

/** Loads data for a page, and again on `reload()`; errors are shown, not thrown. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    load().then((d) => { if (live) { setData(d); setError(null); } }, (err) => { if (live) setError(asFailure(err)); });
    return () => { live = false; };
  }, [round, ...deps]);
  return { data, error, reload: () => setRound((r) => r + 1) };
}

export function ErrorBox({ error }: { error: ApiFailure }) {
  return <div class="error-box" role="alert">{error.status ? `${error.status}: ${error.message}` : error.message}</div>;
}

/** Waits for a load: its error, a quiet placeholder, or the content. */
export function Loaded<T>({ state, children }: { state: { data: T | null; error: ApiFailure | null }; children: (data: T) => ComponentChildren }) {
  if (state.error) return <ErrorBox error={state.error} />;
  if (state.data === null) return <p class="muted">{t('staff.loading')}</p>;
  return <>{children(state.data)}</>;
}

/** Reads a form's named values as strings (inputs keep what was typed: nothing is lost when the API refuses). */
export const formValues = (ev: Event) => {
  ev.preventDefault();
  return Object.fromEntries(new FormData(ev.currentTarget as HTMLFormElement)) as Record<string, string>;
};

/** The number typed, or the text itself when it is not one, so the API's field error names it. */
export const numberOrRaw = (s: string): number | string | null => (s.trim() === '' ? null : Number.isFinite(Number(s)) ? Number(s) : s);

/**
 * An uncontrolled select starting at `initial`, and back at it after `form.reset()`: the DOM keeps a select's default
 * on its options (`defaultSelected`), which no select prop reaches (Preact sets no `defaultValue` on a select).
 */
export function Choice({ initial, children, ...props }: { initial: string } & JSX.IntrinsicElements['select']) {
  const ref = useRef<HTMLSelectElement>(null);
  useLayoutEffect(() => { for (const o of ref.current!.options) o.defaultSelected = o.value === initial; }, [initial]);
  return <select ref={ref} {...props}>{children}</select>;
}
