/**
 * Run and alarm conditions: a tiny expression language over live parameter values, parsed into a
 * tree and evaluated without eval. Grammar:
 *   expr := and ('||' and)* ; and := cmp ('&&' cmp)* ; cmp := unary (op unary)? ; op := == != > >= < <=
 *   unary := '!' unary | '(' expr ')' | number (may be negative) | true | false | 'string' | "string" | parameter-id
 */
export type Value = number | boolean | string | null | undefined;

export type Node =
  | { kind: 'lit'; value: number | boolean | string }
  | { kind: 'param'; id: string }
  | { kind: 'not'; arg: Node }
  | { kind: 'bin'; op: '||' | '&&' | '==' | '!=' | '>' | '>=' | '<' | '<='; left: Node; right: Node };

/** What went wrong, for the catalogs (`validation.condition_*`): a token out of place, a missing ")", an early end. */
export type ConditionProblem = { code: 'unexpected'; token: string } | { code: 'expected_close' } | { code: 'unexpected_end' };

export class ConditionError extends Error {
  constructor(readonly position: number, readonly reason: string, readonly problem: ConditionProblem) {
    super(`${reason} at position ${position + 1}`);
  }
}

interface Token { text: string; pos: number; kind: 'num' | 'str' | 'id' | 'op' | 'end' }

const TOKEN = /\s*(?:(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|'([^']*)'|"([^"]*)"|([A-Za-z_][A-Za-z0-9_-]*)|(==|!=|>=|<=|&&|\|\||[<>!()]))/y;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < source.length) {
    if (/^\s*$/.test(source.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(source);
    if (!m) {
      const token = source.slice(pos).trim()[0] ?? '';
      throw new ConditionError(pos + (source.slice(pos).length - source.slice(pos).trimStart().length), `unexpected "${token}"`, { code: 'unexpected', token });
    }
    const start = m.index + m[0].length - m[0].trimStart().length;
    if (m[1] !== undefined) tokens.push({ text: m[1], pos: start, kind: 'num' });
    else if (m[2] !== undefined || m[3] !== undefined) tokens.push({ text: m[2] ?? m[3] ?? '', pos: start, kind: 'str' });
    else if (m[4] !== undefined) tokens.push({ text: m[4], pos: start, kind: 'id' });
    else tokens.push({ text: m[5] ?? '', pos: start, kind: 'op' });
    pos = TOKEN.lastIndex;
  }
  tokens.push({ text: '', pos: source.length, kind: 'end' });
  return tokens;
}

export function parseCondition(source: string): Node {
  const tokens = tokenize(source);
  let i = 0;
  const peek = () => tokens[i] as Token;
  const next = () => tokens[i++] as Token;
  const isOp = (...ops: string[]) => peek().kind === 'op' && ops.includes(peek().text);

  const expr = (): Node => {
    let left = and();
    while (isOp('||')) { next(); left = { kind: 'bin', op: '||', left, right: and() }; }
    return left;
  };
  const and = (): Node => {
    let left = cmp();
    while (isOp('&&')) { next(); left = { kind: 'bin', op: '&&', left, right: cmp() }; }
    return left;
  };
  const cmp = (): Node => {
    const left = unary();
    if (isOp('==', '!=', '>', '>=', '<', '<=')) {
      const op = next().text as '==' | '!=' | '>' | '>=' | '<' | '<=';
      return { kind: 'bin', op, left, right: unary() };
    }
    return left;
  };
  const unary = (): Node => {
    const t = next();
    if (t.kind === 'op' && t.text === '!') return { kind: 'not', arg: unary() };
    if (t.kind === 'op' && t.text === '(') {
      const inner = expr();
      const close = next();
      if (close.kind !== 'op' || close.text !== ')') throw new ConditionError(close.pos, 'expected ")"', { code: 'expected_close' });
      return inner;
    }
    if (t.kind === 'num') return { kind: 'lit', value: Number(t.text) };
    if (t.kind === 'str') return { kind: 'lit', value: t.text };
    if (t.kind === 'id') {
      if (t.text === 'true' || t.text === 'false') return { kind: 'lit', value: t.text === 'true' };
      return { kind: 'param', id: t.text };
    }
    throw new ConditionError(t.pos, t.kind === 'end' ? 'unexpected end of condition' : `unexpected "${t.text}"`, t.kind === 'end' ? { code: 'unexpected_end' } : { code: 'unexpected', token: t.text });
  };

  const tree = expr();
  if (peek().kind !== 'end') throw new ConditionError(peek().pos, `unexpected "${peek().text}"`, { code: 'unexpected', token: peek().text });
  return tree;
}

/** Parameter ids a condition reads. */
export function conditionParameters(node: Node): string[] {
  if (node.kind === 'param') return [node.id];
  if (node.kind === 'not') return conditionParameters(node.arg);
  if (node.kind === 'bin') return [...new Set([...conditionParameters(node.left), ...conditionParameters(node.right)])];
  return [];
}

/**
 * Evaluates to true or false; a missing or null parameter makes its comparison false (and
 * `!=` true only against a present value), so a silent instrument never reads as "running".
 */
export function evaluateCondition(node: Node, values: (id: string) => Value): boolean {
  return truthy(evaluate(node, values));
}

function evaluate(node: Node, values: (id: string) => Value): Value {
  switch (node.kind) {
    case 'lit': return node.value;
    case 'param': return values(node.id);
    case 'not': return !truthy(evaluate(node.arg, values));
    case 'bin': {
      if (node.op === '||') return truthy(evaluate(node.left, values)) || truthy(evaluate(node.right, values));
      if (node.op === '&&') return truthy(evaluate(node.left, values)) && truthy(evaluate(node.right, values));
      const a = evaluate(node.left, values);
      const b = evaluate(node.right, values);
      if (a === null || a === undefined || b === null || b === undefined) return false;
      if (node.op === '==') return a === b;
      if (node.op === '!=') return a !== b;
      if (typeof a !== typeof b || typeof a === 'boolean') return false;
      if (node.op === '>') return a > b;
      if (node.op === '>=') return a >= b;
      if (node.op === '<') return a < b;
      return a <= b;
    }
  }
}

const truthy = (v: Value) => v === true || (typeof v === 'number' && v !== 0);
