import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { negotiateLanguage, t, type Language } from '../../common/i18n/index.js';
import { ApiError, renderMessage, type Message } from '../errors.js';
import { validationIssue } from './validation-messages.js';

/** The body of every error response. */
export const ErrorBody = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  code: z.string().describe('stable machine code (e.g. validation_failed, booking_conflict, not_found); test this, not the message'),
  message: z.string().describe('for people, in the language of Accept-Language (en or zh-CN)'),
  issues: z.array(z.object({ field: z.string(), code: z.string(), message: z.string() })).optional(),
  conflict: z.object({ equipmentId: z.string(), startsAt: z.number().int(), endsAt: z.number().int() }).optional()
    .describe('on 409: the slot that is already taken'),
}).meta({ id: 'Error' });

/** A code for errors thrown with plain text: the status, in snake case. */
const statusCode = (status: number) => ({ 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 429: 'too_many_requests' } as Record<number, string>)[status] ?? (status >= 500 ? 'internal' : 'error');

export const requestLanguage = (request: FastifyRequest): Language => negotiateLanguage(request.headers['accept-language']);

/**
 * One error handler for the whole API: validation failures become 400 with each field and a reason worded for
 * people, ApiErrors keep their status, anything else is a logged 500 that leaks no internals. Every answer has a
 * stable `code`; its `message` is in the language of Accept-Language (issue 14), times in the laboratory's zone.
 */
export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const lang = requestLanguage(request);
    const say = (m: Message) => renderMessage(lang, app.timeZone, m);
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => validationIssue(lang, err.validationContext ?? 'request', v));
      return reply.status(400).send({ statusCode: 400, error: 'Bad Request', code: 'validation_failed', message: issues.map((i) => i.message).join('; '), issues });
    }
    if (err instanceof ApiError) {
      const message = err.code ? say({ code: err.code, vars: err.vars }) : untranslated(lang, err.statusCode, err.message);
      const field = err.details?.field;
      const rawIssues = Array.isArray(err.details?.issues) ? err.details.issues as { field: string; message: string; code?: string; vars?: Message['vars'] }[] : undefined;
      const issues = rawIssues?.map((i) => ({ field: i.field, code: i.code ?? 'invalid', message: i.code ? say({ code: i.code, vars: i.vars }) : i.message }))
        ?? (typeof field === 'string' ? [{ field, code: err.code ?? statusCode(err.statusCode), message }] : undefined);
      return reply.status(err.statusCode).send({
        statusCode: err.statusCode, error: statusText(err.statusCode), code: err.code ?? statusCode(err.statusCode),
        message: rawIssues ? issues!.map((i) => i.message).join('; ') : message,
        ...(issues ? { issues } : {}), ...(err.details?.conflict ? { conflict: err.details.conflict } : {}),
      });
    }
    if (isResponseSerializationError(err)) request.log.error({ err, issues: err.cause.issues }, 'response does not match its schema');
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) request.log.error({ err }, 'unhandled error');
    // Framework errors (rate limit, body too large, bad JSON): their own code, the text worded for the reader where known.
    const code = status === 500 ? 'internal' : err.code ? String(err.code).toLowerCase().replace(/^fst_err_/, '') : statusCode(status);
    const message = status === 500 ? say({ code: 'internal' }) : status === 429 ? `${say({ code: 'rate_limited' })} (${err.message})` : err.message;
    return reply.status(status).send({ statusCode: status, error: statusText(status), code, message });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ statusCode: 404, error: 'Not Found', code: 'no_route', message: t(requestLanguage(request), 'errors.no_route', { route: `${request.method} ${request.url.split('?')[0]}` }) });
  });
});

/**
 * An error still thrown with English text (not yet a catalog code): in another language it is led by the status
 * in that language, the English detail after it, so the reader knows what happened and support sees the detail.
 */
function untranslated(lang: Language, status: number, message: string): string {
  return lang === 'en' ? message : t(lang, 'errors.untranslated', { status: t(lang, `errors.status.${statusCode(status)}`), detail: message });
}

function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}
