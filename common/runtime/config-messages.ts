import { isMap, visit, type Document, type YAMLError } from 'yaml';
import type { z } from 'zod';

/**
 * The first YAML syntax error, said so a person can fix it: where the culprit is, not where the parser gave up.
 * Only the first is reported: after one stray bracket the parser reads the rest of the file differently, and each
 * of its later errors (hundreds on a large file) is a consequence, not a mistake.
 */
export function syntaxProblem(doc: Document, error: YAMLError): { offset: number; message: string } {
  const text = error.message.split('\n')[0]!;
  // The parser notices an unclosed `[` or `{` where the collection should have ended, often lines below it.
  const unclosed = /end with an? ([\]}])/.exec(text)?.[1];
  if (unclosed) {
    const open = unclosed === ']' ? '[' : '{';
    const start = openingOf(doc, error.pos[0], unclosed === '}');
    if (start !== undefined) return { offset: start, message: `YAML syntax: "${open}" is not closed by "${unclosed}"${QUOTE_HINT(open)}` };
  }
  const token = /^Unexpected ([a-z-]+) at node end/.exec(text)?.[1];
  const char = token && TOKEN_CHARS[token];
  if (char) return { offset: error.pos[0], message: `YAML syntax: unexpected "${char}"${QUOTE_HINT(char)}` };
  return { offset: error.pos[0], message: `YAML syntax: ${text}` };
}

const QUOTE_HINT = (char: string) => `; if "${char}" is part of the value, put the value in quotes`;
const TOKEN_CHARS: Record<string, string> = { 'flow-seq-start': '[', 'flow-seq-end': ']', 'flow-map-start': '{', 'flow-map-end': '}', comma: ',' };

/** Offset of the `[`/`{` that opens the innermost flow collection the parser ended at `end` without its closer. */
function openingOf(doc: Document, end: number, map: boolean): number | undefined {
  let start: number | undefined;
  visit(doc, {
    Collection(_key, node) {
      if (node.flow && isMap(node) === map && node.range?.[1] === end && (start === undefined || node.range[0] > start)) start = node.range[0];
    },
  });
  return start;
}

/**
 * zod messages in the words of a config file: a missing key is "required", an unknown key names the known key
 * it is probably a typo of. `error` is passed to `safeParse`; messages a schema sets itself still win (zod's
 * precedence), so only zod's generic wording is replaced.
 */
export function configMessages(): { error: z.core.$ZodErrorMap; unknownKey: (path: PropertyKey[], key: string) => string } {
  // The unknown-key issue carries the object schema only here, in the error map; the suggestion is kept for later.
  const suggestions = new Map<string, string>();
  const error: z.core.$ZodErrorMap = (issue) => {
    if (issue.code === 'invalid_type' && issue.input === undefined && issue.path?.length) return 'required';
    if (issue.code === 'invalid_union' && 'discriminator' in issue && isRecord(issue.input) && issue.input[issue.discriminator as string] === undefined) {
      return `required (one of ${(issue.options as unknown[]).map((o) => JSON.stringify(o)).join(', ')})`;
    }
    if (issue.code === 'unrecognized_keys' && issue.inst && 'shape' in issue.inst && isRecord(issue.input)) {
      const present = issue.input;
      const known = Object.keys(issue.inst.shape as object).filter((k) => !(k in present));
      for (const key of issue.keys) {
        const closest = closestKey(key, known);
        if (closest) suggestions.set(JSON.stringify([...(issue.path ?? []), key]), closest);
      }
    }
    return undefined;
  };
  const unknownKey = (path: PropertyKey[], key: string) => {
    const closest = suggestions.get(JSON.stringify([...path, key]));
    return closest ? `unknown key; did you mean "${closest}"?` : 'unknown key';
  };
  return { error, unknownKey };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** The known key `key` is most likely a typo of: within one edit per three letters (at most 3), case ignored. */
export function closestKey(key: string, known: string[]): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(key.length / 3)));
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

/** Optimal string alignment distance: Levenshtein plus swapping two neighbours (`tpye`), each costing one edit. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
