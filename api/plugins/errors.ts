import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../errors.js';

/** The body of every error response. */
export const ErrorBody = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  conflict: z.object({ equipmentId: z.string(), startsAt: z.number().int(), endsAt: z.number().int() }).optional()
    .describe('on 409: the slot that is already taken'),
}).meta({ id: 'Error' });

/**
 * One error handler for the whole API: validation failures become 400 with each field and reason,
 * ApiErrors keep their status and message, anything else is a logged 500 that leaks no internals.
 */
export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({
        field: `${err.validationContext ?? 'request'}${v.instancePath.replace(/\//g, '.')}`,
        message: v.message ?? 'invalid',
      }));
      return reply.status(400).send({
        statusCode: 400, error: 'Bad Request',
        message: issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues,
      });
    }
    if (err instanceof ApiError) {
      const field = err.details?.field;
      const issues = Array.isArray(err.details?.issues) ? err.details.issues : typeof field === 'string' ? [{ field, message: err.message }] : undefined;
      return reply.status(err.statusCode).send({
        statusCode: err.statusCode, error: statusText(err.statusCode), message: err.message,
        ...(issues ? { issues } : {}), ...(err.details?.conflict ? { conflict: err.details.conflict } : {}),
      });
    }
    if (isResponseSerializationError(err)) request.log.error({ err, issues: err.cause.issues }, 'response does not match its schema');
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) request.log.error({ err }, 'unhandled error');
    return reply.status(status).send({ statusCode: status, error: statusText(status), message: status === 500 ? 'internal error; see the server log' : err.message });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ statusCode: 404, error: 'Not Found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
});

function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}
