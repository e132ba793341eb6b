import { ApiFailure, get, post, session, setUnauthorizedHandler } from './api.js';
import { h, replace } from './dom.js';
import { errorBox } from './form.js';
import { boardPage } from './pages/board.js';
import { calendarPage } from './pages/calendar.js';
import { equipmentPage } from './pages/equipment.js';
import { loginPage } from './pages/login.js';
import { platformPage } from './pages/platform.js';
import { reportPage, runsPage } from './pages/reports.js';
import type { AppContext, Me, Page } from './types.js';

type Route = (params: string[], ctx: AppContext) => Page | Promise<Page>;

// Hash routes, so the API serves one index.html and never has to know the dashboard's paths.
const routes: [RegExp, Route][] = [
  [/^\/board$/, boardPage],
  [/^\/equipment\/([^/]+)$/, equipmentPage],
  [/^\/calendar(?:\/([^/]+))?$/, calendarPage],
  [/^\/runs$/, runsPage],
  [/^\/reports\/([^/]+)$/, reportPage],
  [/^\/platform$/, platformPage],
];

const ctx: AppContext = { me: null, navigate: (path) => { location.hash = `#${path}`; } };
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
    me && h('nav', null, link('/board', 'Equipment'), link('/calendar', 'Bookings'), link('/runs', 'Runs & reports'), me.orgId === 'operator' && link('/platform', 'Platform')),
    me && h('span', { class: 'who' }, `${me.name} · ${me.role} · ${me.orgId}`,
      h('button', { class: 'link', id: 'logout', onclick: logout }, 'Log out')),
  );
}

async function logout(): Promise<void> {
  await post('/api/v1/auth/logout').catch(() => undefined);
  session.token = null;
  ctx.me = null;
  ctx.navigate('/login');
}

async function route(): Promise<void> {
  const path = location.hash.replace(/^#/, '') || '/board';
  current?.dispose?.();
  current = null;
  const main = document.getElementById('page')!;
  if (!ctx.me && path !== '/login') ctx.me = await loadMe();
  if (!ctx.me && path !== '/login') return ctx.navigate('/login');
  renderHeader();
  if (path === '/login' && ctx.me) return ctx.navigate('/board');
  if (path === '/login') {
    current = loginPage(ctx, async (me) => { ctx.me = me; ctx.navigate('/board'); });
  } else {
    const match = routes.map(([re, page]) => [re.exec(path), page] as const).find(([m]) => m);
    if (!match) current = { el: errorBox(new Error(`no page ${path}`)) };
    else {
      try {
        current = await match[1](match[0]!.slice(1).filter((s): s is string => s !== undefined).map(decodeURIComponent), ctx);
      } catch (err) {
        current = { el: errorBox(err) };
      }
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
void route();
