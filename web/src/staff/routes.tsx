import type { ComponentChildren } from 'preact';
import { get } from '../api.js';
import { errorBox } from '../form.js';
import { t, term } from '../i18n.js';
import { isStaff, type AppContext, type Equipment, type Page } from '../types.js';
import { ApiKeysPage, QualificationsPage } from './access.js';
import { AuditPage } from './audit.js';
import { BookingsPage } from './bookings.js';
import { OrgsPage } from './orgs.js';
import { ProfilePage } from './profile-page.js';
import { Loaded, preactPage, useLoad } from './ui.js';
import { UsersPage } from './users.js';

type Route = (params: string[], ctx: AppContext) => Page;

/** Operator admins and engineers only: the API refuses the rest anyway, the page says so instead of half-rendering. */
const staffOnly = (render: (params: string[], ctx: AppContext) => ComponentChildren): Route => (params, ctx) =>
  isStaff(ctx.me) ? preactPage(<div class="staff">{render(params, ctx)}</div>) : { el: errorBox(new Error(t('staff.forbidden'))) };

const LINKS = [
  ['/staff/orgs', 'staff.orgs.title'], ['/staff/users', 'staff.users.title'], ['/staff/qualifications', 'staff.qualifications.title'],
  ['/staff/api-keys', 'staff.keys.title'], ['/staff/bookings', 'staff.bookings.title'], ['/staff/audit', 'staff.audit.title'],
] as const;
/** The audit log is the admins' (the API refuses engineers). */
const ADMIN_ONLY = new Set<string>(['/staff/audit']);

/** `#/staff`: where staff find the administration pages and each equipment's profile editor. */
function StaffHome({ ctx }: { ctx: AppContext }) {
  const equipment = useLoad(() => get<{ items: Equipment[] }>('/api/v1/equipment'));
  return (
    <>
      <div class="page-head"><h1>{t('staff.title')}</h1></div>
      <div class="card">
        <h2>{t('staff.people')}</h2>
        <ul>{LINKS.filter(([path]) => ctx.me?.role === 'admin' || !ADMIN_ONLY.has(path)).map(([path, key]) => <li key={path}><a href={`#${path}`}>{t(key)}</a></li>)}</ul>
      </div>
      <div class="card">
        <h2>{t('staff.equipmentProfiles')}</h2>
        <Loaded state={equipment}>{(list) => list.items.length
          ? <ul>{list.items.map((e) => <li key={e.id}><a href={`#/staff/equipment/${encodeURIComponent(e.id)}`} data-equipment={e.id}>{e.name}</a> <span class="muted">{e.id} · {term('status', e.status)}</span></li>)}</ul>
          : <p class="muted empty">{t('staff.noEquipment')}</p>}
        </Loaded>
      </div>
    </>
  );
}

export const staffRoutes: [RegExp, Route][] = [
  [/^\/staff$/, staffOnly((_p, ctx) => <StaffHome ctx={ctx} />)],
  [/^\/staff\/equipment\/([^/]+)$/, staffOnly(([id], ctx) => <ProfilePage id={id!} ctx={ctx} />)],
  [/^\/staff\/orgs$/, staffOnly((_p, ctx) => <OrgsPage ctx={ctx} />)],
  [/^\/staff\/users$/, staffOnly((_p, ctx) => <UsersPage ctx={ctx} />)],
  [/^\/staff\/qualifications$/, staffOnly((_p, ctx) => <QualificationsPage ctx={ctx} />)],
  [/^\/staff\/api-keys$/, staffOnly(() => <ApiKeysPage />)],
  [/^\/staff\/bookings$/, staffOnly(() => <BookingsPage />)],
  [/^\/staff\/audit$/, staffOnly(() => <AuditPage />)],
];
