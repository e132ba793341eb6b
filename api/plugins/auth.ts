import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError, terms } from '../errors.js';
import { userForToken, type AuthUser, type Role } from '../sharing/people.js';

export type { AuthUser, Role };

declare module 'fastify' {
  interface FastifyRequest { user: AuthUser | null }
  interface FastifyInstance {
    /** preHandler that lets only these roles through (403 otherwise). */
    requireRole(...roles: Role[]): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyContextConfig {
    /** The route answers anonymous callers (login, health, secret-token calendar feeds). */
    public?: boolean;
  }
}

/** The signed-in user of a request that passed the auth hook (every non-public route). */
export function currentUser(request: FastifyRequest): AuthUser {
  if (!request.user) throw new ApiError(401, { code: 'sign_in_first' });
  return request.user;
}

/**
 * Authenticates `Authorization: Bearer <session token | API key>`. Every route requires a user unless
 * it is marked `config: { public: true }`, so a route added later is closed by default.
 */
export const authPlugin = fp(async (app: FastifyInstance) => {
  app.decorateRequest('user', null);
  app.decorate('requireRole', (...roles: Role[]) => async (request: FastifyRequest) => {
    const user = currentUser(request);
    if (!roles.includes(user.role)) throw new ApiError(403, { code: 'role_required', vars: { route: `${request.method} ${request.routeOptions.url}`, roles: terms('role', ...roles), email: user.email, role: terms('role', user.role) } });
  });
  app.addHook('onRequest', async (request) => {
    const isPublic = request.routeOptions.config?.public === true || request.url.startsWith('/api/docs') || !request.routeOptions.url;
    const header = request.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      request.user = match?.[1] ? userForToken(app.db, match[1], app.now()) : null;
      // A stale token must not stand in the way of signing in again; elsewhere it is refused outright.
      if (!request.user && !isPublic) throw new ApiError(401, { code: match?.[1] ? 'token_invalid' : 'authorization_malformed' });
    }
    if (!isPublic && !request.user) throw new ApiError(401, { code: 'sign_in_first' });
  });
});
