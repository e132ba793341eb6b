import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { LANGUAGES } from '../../../common/i18n/index.js';
import { currentUser } from '../../plugins/auth.js';
import { audit } from '../../sharing/audit.js';
import { User } from '../auth/schemas.js';
import { errors } from '../common.js';
import { LabConfig, MePatch } from './schemas.js';
import { writeTransaction } from '../../../common/runtime/sqlite.js';

/** What the dashboard needs before its first page (the lab's zone), and the signed-in person's own settings. */
export const meRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/api/v1/config', {
    config: { public: true },
    schema: { tags: ['auth'], summary: 'The laboratory\'s time zone and the languages pilothub speaks', security: [], response: { 200: LabConfig } },
  }, async () => ({ timeZone: app.timeZone, languages: [...LANGUAGES] }));

  app.patch('/api/v1/me', {
    schema: { tags: ['auth'], summary: 'Change your own settings: the dashboard language, kept with your profile', body: MePatch, response: { 200: User, ...errors } },
  }, async (request) => {
    const user = currentUser(request);
    const { language } = request.body;
    writeTransaction(app.db, () => {
      app.db.prepare('UPDATE users SET language = ? WHERE id = ?').run(language, user.id);
      audit(app.db, user, app.now(), { action: 'user.update', entity: 'user', entityId: user.id, orgId: user.orgId, before: { language: user.language ?? null }, after: { language } });
    });
    return { ...user, language };
  });
};
