import { hasKey, t, type Language } from '../../common/i18n/index.js';

/** One validation failure as fastify-type-provider-zod hands it over: the zod issue's code, path, message and details. */
interface ZodValidation { keyword: string; instancePath: string; message?: string; params?: Record<string, unknown> }

/**
 * zod's own wording ("Too small: expected string to have >=1 characters", "Invalid input: expected string, received
 * undefined"): such issues are reworded from the catalog by kind. A schema's own message (a refine, a custom bound, a
 * pattern) is a catalog key, worded in the reader's language; any other text is kept, after the field's name.
 */
const ZOD_DEFAULT = /^(Too small|Too big|Invalid input|Invalid (string|option|type|element|key|union)|Unrecognized key|Invalid$|Required$)/;

/** The field a person filled in: the path's last name, worded from the catalog's `fields.*` when it has one. */
function fieldName(lang: Language, path: string[]): string {
  const name = [...path].reverse().find((s) => !/^\d+$/.test(s)) ?? '';
  return hasKey(`fields.${name}`, lang) ? t(lang, `fields.${name}`) : name;
}

/** The values a schema's custom issue passed for its message (`ctx.addIssue({ ..., params: { maxDays } })`). */
function schemaVars(p: Record<string, unknown>): Record<string, string | number> {
  const vars = p.params;
  if (!vars || typeof vars !== 'object') return {};
  return Object.fromEntries(Object.entries(vars).filter((e): e is [string, string | number] => typeof e[1] === 'string' || typeof e[1] === 'number'));
}

export function validationIssue(lang: Language, context: string, v: ZodValidation): { field: string; code: string; message: string } {
  const path = v.instancePath.split('/').filter(Boolean);
  const field = [context, ...path].join('.');
  const name = fieldName(lang, path);
  const p = v.params ?? {};
  const own = v.message && !ZOD_DEFAULT.test(v.message) ? v.message : undefined;
  const say = (code: string, vars: Record<string, string | number> = {}) => ({ field, code, message: t(lang, `validation.${code}`, { field: name, ...vars }) });
  if (v.keyword === 'unrecognized_keys') return say('unrecognized_keys', { keys: ((p.keys as string[] | undefined) ?? []).join(', ') });
  // Schemas name their own messages by catalog key (`validation.afterFrom`), with values in a custom issue's params.
  if (own && hasKey(own, 'en')) return { field, code: v.keyword, message: t(lang, own, { field: name, ...schemaVars(p) }) };
  if (own) return { field, code: v.keyword, message: t(lang, 'validation.custom', { field: name, message: own }) };
  const missing = v.keyword === 'invalid_type' && /received undefined/.test(v.message ?? '');
  const minimum = Number(p.minimum);
  const maximum = Number(p.maximum);
  switch (v.keyword) {
    case 'invalid_type': return missing ? say('required') : say('invalid_type', { expected: String(p.expected ?? '') });
    case 'too_small':
      if (p.origin === 'string') return minimum <= 1 ? say('required') : say('too_short', { minimum });
      if (p.origin === 'array' || p.origin === 'set') return say('too_few', { minimum });
      return say('too_low', { minimum: String(p.minimum) });
    case 'too_big':
      if (p.origin === 'string') return say('too_long', { maximum });
      if (p.origin === 'array' || p.origin === 'set') return say('too_many', { maximum });
      return say('too_high', { maximum: String(p.maximum) });
    case 'invalid_format': return say('invalid_format', { format: String(p.format ?? '') });
    case 'invalid_value': return say('invalid_value', { values: ((p.values as unknown[] | undefined) ?? []).map(String).join(', ') });
    default: return say('invalid');
  }
}
