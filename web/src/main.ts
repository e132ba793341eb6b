import { ApiFailure, get, patch, post, session, setUnauthorizedHandler } from './api.js';
import { h, replace } from './dom.js';
import { errorBox } from './form.js';
import { LANGUAGES, locale, setLanguage, t, term, type Language } from './i18n.js';
import { boardPage } from './pages/board.js';
import { calendarPage } from './pages/calendar.js';
import { comparePage } from './pages/compare.js';
import { equipmentPage } from './pages/equipment.js';
import { loginPage } from './pages/login.js';
import { platformPage } from './pages/platform.js';
import { reportPage, runsPage } from './pages/reports.js';
import { staffRoutes } from './staff/routes.js';
import { isStaff, type AppContext, type LabConfig, type Me, type Page } from './types.js';

type Route = (params: string[], ctx: AppContext) => Page | Promise<Page>;

// Hash routes, so the API serves one index.html and never has to know the dashboard's paths.
const routes: [RegExp, Route][] = [
  [/^\/board$/, boardPage],
  [/^\/equipment\/([^/]+)$/, equipmentPage],
  [/^\/calendar(?:\/([^/]+))?$/, calendarPage],
  [/^\/runs$/, runsPage],
  [/^\/compare$/, comparePage],
  [/^\/reports\/([^/]+)$/, reportPage],
  [/^\/platform$/, platformPage],
  ...staffRoutes,
];

const ctx: AppContext = { me: null, navigate: (path) => { location.hash = `#${path}`; }, reload: () => void route() };
let current: Page | null = null;

async function loadMe(): Promise<Me | null> {
  if (!session.token) return null;
  try {
    return await get<Me>('/api/v1/auth/me');
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 401) session.token = null;
    return null;
  }
}

function renderHeader(): void {
  const top = document.getElementById('top')!;
  const me = ctx.me;
  const link = (path: string, label: string) => h('a', { href: `#${path}`, class: location.hash.startsWith(`#${path}`) ? 'active' : null }, label);
  replace(top,
    h('a', { class: 'brand', href: '#/board' }, 'pilothub'),
    me && h('nav', null, link('/board', t('nav.equipment')), link('/calendar', t('nav.bookings')), link('/runs', t('nav.runs')), link('/compare', t('compare.nav')), link('/platform', t(me.orgId === 'operator' ? 'nav.platform' : 'nav.myUsage')), isStaff(me) && link('/staff', t('nav.staff'))),
    h('span', { class: 'who' }, me && `${me.name} · ${term('role', me.role)} · ${me.orgId}`, languageSwitch(),
      me && h('button', { class: 'link', id: 'logout', onclick: logout }, t('nav.logout'))),
  );
}

/** Each language named in itself, so a reader finds theirs whatever is shown now. */
function languageSwitch(): HTMLElement {
  return h('select', { name: 'language', id: 'language', 'aria-label': t('nav.language'), onchange: (ev: Event) => void changeLanguage((ev.target as HTMLSelectElement).value as Language) },
    LANGUAGES.map((l) => h('option', { value: l, selected: l === locale.language, lang: l }, t(`language.${l}`))));
}

/** Switches at once and remembers the choice with the user's profile (a failed save keeps the switch for this visit). */
async function changeLanguage(language: Language): Promise<void> {
  setLanguage(language);
  if (ctx.me) ctx.me = await patch<Me>('/api/v1/me', { language }).catch(() => ctx.me);
  await route();
}

async function logout(): Promise<void> {
  await post('/api/v1/auth/logout').catch(() => undefined);
  session.token = null;
  ctx.me = null;
  ctx.navigate('/login');
}

/** Counts navigations: a page that loads slowly must not replace the one navigated to meanwhile. */
let navigation = 0;

async function route(): Promise<void> {
  // What follows `?` is the page's own choice (links.ts: hashQuery), not part of the route.
  const path = location.hash.replace(/^#/, '').split('?')[0] || '/board';
  const mine = ++navigation;
  current?.dispose?.();
  current = null;
  const main = document.getElementById('page')!;
  if (!ctx.me && path !== '/login') {
    ctx.me = await loadMe();
    if (ctx.me?.language) setLanguage(ctx.me.language);
  }
  if (!ctx.me && path !== '/login') return ctx.navigate('/login');
  renderHeader();
  if (path === '/login' && ctx.me) return ctx.navigate('/board');
  if (path === '/login') {
    current = loginPage(ctx, async (me) => {
      ctx.me = me;
      if (me.language) setLanguage(me.language);
      else await patch<Me>('/api/v1/me', { language: locale.language }).then((saved) => { ctx.me = saved; }, () => undefined);
      ctx.navigate('/board');
    });
  } else {
    const match = routes.map(([re, page]) => [re.exec(path), page] as const).find(([m]) => m);
    if (!match) current = { el: errorBox(new Error(t('errors.noPage', { path }))) };
    else {
      let page: Page;
      try {
        page = await match[1](match[0]!.slice(1).filter((s): s is string => s !== undefined).map(decodeURIComponent), ctx);
      } catch (err) {
        page = { el: errorBox(err) };
      }
      if (mine !== navigation) return page.dispose?.();
      current = page;
    }
  }
  replace(main, current.el);
  current.mounted?.();
}

setUnauthorizedHandler(() => {
  session.token = null;
  ctx.me = null;
  if (location.hash !== '#/login') ctx.navigate('/login');
});
window.addEventListener('hashchange', () => void route());

/** The laboratory's time zone before the first page, so every time shown is in it. */
async function start(): Promise<void> {
  setLanguage(locale.language);
  try {
    locale.timeZone = (await get<LabConfig>('/api/v1/config')).timeZone;
  } catch { /* an older hub without /config: the browser's zone */ }
  await route();
}
void start();
