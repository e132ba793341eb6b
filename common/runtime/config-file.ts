import { readFileSync } from 'node:fs';
import { load as loadYamlFast } from 'js-yaml';
import { isMap, isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { configMessages, syntaxProblem } from './config-messages.js';

/** One thing wrong with a config file, located well enough to fix it without guessing. */
export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted path inside the document, e.g. `devices[0].parameters[2].type`. */
  path: string;
  message: string;
  /** What the path concerns, e.g. `device "dryer-1"`. */
  subject?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`${problems.length} problem(s) in configuration:\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.path ? ` ${p.path}` : '';
  const subject = p.subject ? ` (${p.subject})` : '';
  return `${p.file}:${p.line}:${p.column}${where}${subject}: ${p.message}`;
}

export interface ParseOptions {
  /** Values for `${NAME}` / `${NAME:-default}` placeholders; substituted per line, so line numbers stay true. */
  vars?: Record<string, string | undefined>;
  /** Names what a path concerns (e.g. the device id) for the problem report. */
  subjectOf?: (path: PropertyKey[], data: unknown) => string | undefined;
}

/**
 * Reads, substitutes and validates a YAML config; throws ConfigError listing every problem at once, except that a
 * YAML syntax error is reported alone (config-messages.ts says why).
 */
export function loadConfigFile<S extends z.ZodType>(file: string, schema: S, options: ParseOptions = {}): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, line: 0, column: 0, path: '', message: `cannot read file: ${(err as Error).message}` }]);
  }
  return parseConfigText(text, file, schema, options);
}

export function parseConfigText<S extends z.ZodType>(text: string, file: string, schema: S, options: ParseOptions = {}): z.infer<S> {
  const problems: ConfigProblem[] = [];
  const substituted = substituteVariables(text, file, options.vars ?? {}, problems);
  if (problems.length === 0) {
    const valid = parseFast(substituted, schema);
    if (valid) return valid.data;
  }
  return parseWithPositions(substituted, file, schema, options, problems);
}

/**
 * A valid file needs no positions: js-yaml builds plain objects straight from the text (YAML 1.2 core schema, as
 * `yaml` uses; duplicate keys refused) in about a third of the memory and a fifth of the time `yaml`'s document
 * model takes. An edge gateway's 100 000-tag config (8.7 MB) peaked near 1 GB that way. Anything the fast path
 * refuses is parsed again with positions, so every problem is still reported with its line.
 */
export function parseFast<S extends z.ZodType>(text: string, schema: S): { data: z.infer<S> } | null {
  // Where the two parsers read the same text differently, only `yaml` is asked: a %YAML 1.1 directive (js-yaml
  // ignores it: `010` would be 10, not 8) and explicit tags (`!!int 0b11`). Many aliases: `yaml` bounds them.
  if (NOT_PLAIN.test(text)) return null;
  let data: unknown;
  try {
    data = loadYamlFast(text, { maxAliases: 100 });
  } catch {
    return null;
  }
  const result = schema.safeParse(data);
  return result.success ? { data: result.data } : null;
}

function parseWithPositions<S extends z.ZodType>(substituted: string, file: string, schema: S, options: ParseOptions, problems: ConfigProblem[]): z.infer<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(substituted, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxError = doc.errors[0];
  if (syntaxError) {
    const { offset, message } = syntaxProblem(doc, syntaxError);
    const pos = lineCounter.linePos(offset);
    problems.push({ file, line: pos.line, column: pos.col, path: '', message });
    throw new ConfigError(problems.sort(byPosition));
  }
  // A line whose variable is unset already has its problem; schema complaints about the same line add nothing.
  const unsetVariableLines = new Set(problems.map((p) => p.line));

  const data: unknown = doc.toJS();
  const messages = configMessages();
  const result = schema.safeParse(data, { error: messages.error });
  if (result.success && problems.length === 0) return result.data;
  if (result.success) throw new ConfigError(problems);
  for (const issue of result.error.issues) {
    const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    for (const key of unknownKeys) {
      const path = key === undefined ? issue.path : [...issue.path, key];
      const offset = locate(doc, path, key !== undefined);
      const pos = lineCounter.linePos(offset);
      if (unsetVariableLines.has(pos.line)) continue;
      const message = key === undefined ? issue.message : messages.unknownKey(issue.path, key);
      problems.push({
        file, line: pos.line, column: pos.col, path: formatPath(path), message,
        subject: options.subjectOf?.(path, data),
      });
    }
  }
  throw new ConfigError(problems.sort(byPosition));
}

const NOT_PLAIN = /^%|!/m;

const byPosition = (a: ConfigProblem, b: ConfigProblem) => a.line - b.line || a.column - b.column;

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function substituteVariables(text: string, file: string, vars: Record<string, string | undefined>, problems: ConfigProblem[]): string {
  return text.split('\n').map((lineText, index) => lineText.replace(PLACEHOLDER, (_match, name: string, fallback: string | undefined, column: number) => {
    const value = vars[name] ?? fallback;
    if (value !== undefined) return value;
    problems.push({ file, line: index + 1, column: column + 1, path: '', message: `variable ${name} is not set and has no default (write \${${name}:-default})` });
    // Empty, not the placeholder itself: `${` inside a flow mapping would break the YAML and hide later problems.
    return '';
  })).join('\n');
}

/** Offset of the node at `path`, or of its nearest existing ancestor when the key is missing. */
function locate(doc: Document, path: PropertyKey[], pointAtKey: boolean): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    if (pointAtKey && depth === path.length && depth > 0) {
      const parent = doc.getIn(prefix.slice(0, -1) as unknown[], true);
      if (isMap(parent)) {
        const pair = parent.items.find((item) => isNode(item.key) && (item.key as { value?: unknown }).value === prefix[prefix.length - 1]);
        if (pair && isNode(pair.key) && pair.key.range) return pair.key.range[0];
      }
    }
    const node = depth === 0 ? doc.contents : doc.getIn(prefix as unknown[], true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return 0;
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}
