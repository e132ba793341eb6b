import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { EquipmentList } from './schemas.js';

export const equipmentRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/api/v1/equipment', {
    schema: { tags: ['equipment'], summary: 'Equipment known from gateway births, with live state', response: { 200: EquipmentList } },
  }, async () => ({
    items: app.registry.list().map((e) => ({
      id: e.id, name: e.birth.equipment.name, kind: e.birth.equipment.kind, site: e.site, gateway: e.birth.gateway,
      online: app.registry.isOnline(e), lastSeen: e.lastSeen ?? null,
      parameters: e.birth.parameters.map((p) => ({ id: p.id, name: p.name, unit: p.unit, datatype: p.datatype })),
    })),
  }));
};
