// Reads FQL back into the condition builder's rows, when it is in a shape the builder writes (see
// fql-builder.ts). Tokens come from the server's own lexer so paths and strings are read exactly as the
// server reads them; the grammar is the server's too, kept small here because only its shape matters.
import { FqlLexer, type FqlToken } from '../../../src/filters/fql-lexer.ts';
import {
  type Condition,
  type ConditionRow,
  type FieldScope,
  NUMBER_OPERATORS,
  type Operator,
  scopeIsNamed,
} from './fql-builder.ts';

type Literal = string | number | boolean | null;
type Node =
  | { kind: 'literal'; value: Literal }
  | { kind: 'path'; segments: string[] }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'compare'; operator: string; left: Node; right: Node }
  | { kind: 'in'; value: Node; list: Literal[] }
  | { kind: 'not'; operand: Node }
  | { kind: 'and' | 'or'; operands: Node[] };

class NotBuildable extends Error {}

const isPunct = (token: FqlToken, value: string) => token.kind === 'punct' && token.value === value;
const isKeyword = (token: FqlToken, value: string) => token.kind === 'keyword' && token.value === value;
const literalOf = (token: FqlToken): Literal | undefined => {
  if (token.kind === 'string' || token.kind === 'number') return token.value;
  if (token.kind === 'keyword' && ['true', 'false', 'null'].includes(token.value))
    return token.value === 'null' ? null : token.value === 'true';
  return undefined;
};

/** The server's grammar (or → and → ! → comparison → operand), without its checks of function arity. */
function parse(source: string): Node {
  const lexer = new FqlLexer(source);
  const expect = (value: string) => {
    if (!isPunct(lexer.next(), value)) throw new NotBuildable();
  };
  const chain = (keyword: 'and' | 'or', operand: () => Node): Node => {
    const operands = [operand()];
    while (isKeyword(lexer.peek(), keyword)) {
      lexer.next();
      operands.push(operand());
    }
    return operands.length === 1 ? operands[0]! : { kind: keyword, operands };
  };
  const or = (): Node => chain('or', () => chain('and', unary));
  const unary = (): Node => {
    if (!isPunct(lexer.peek(), '!')) return comparison();
    lexer.next();
    return { kind: 'not', operand: unary() };
  };
  const comparison = (): Node => {
    const left = operand();
    const token = lexer.peek();
    if (token.kind === 'punct' && ['=', '!=', '<', '>', '<=', '>='].includes(token.value)) {
      lexer.next();
      return { kind: 'compare', operator: token.value, left, right: operand() };
    }
    if (!isKeyword(token, 'in')) return left;
    lexer.next();
    expect('[');
    const list: Literal[] = [];
    while (!isPunct(lexer.peek(), ']')) {
      const value = literalOf(lexer.next());
      if (value === undefined) throw new NotBuildable();
      list.push(value);
      if (isPunct(lexer.peek(), ',')) lexer.next();
      else if (!isPunct(lexer.peek(), ']')) throw new NotBuildable();
    }
    lexer.next();
    return { kind: 'in', value: left, list };
  };
  const operand = (): Node => {
    const token = lexer.next();
    const literal = literalOf(token);
    if (literal !== undefined) return { kind: 'literal', value: literal };
    if (isPunct(token, '(')) {
      const inner = or();
      expect(')');
      return inner;
    }
    if (token.kind !== 'path') throw new NotBuildable();
    if (!isPunct(lexer.peek(), '(')) return { kind: 'path', segments: token.segments };
    lexer.next();
    const args: Node[] = [];
    while (!isPunct(lexer.peek(), ')')) {
      args.push(or());
      if (isPunct(lexer.peek(), ',')) lexer.next();
      else if (!isPunct(lexer.peek(), ')')) throw new NotBuildable();
    }
    lexer.next();
    return { kind: 'call', name: token.segments.join('.'), args };
  };
  const tree = or();
  if (lexer.peek().kind !== 'eof') throw new NotBuildable();
  return tree;
}

/** A path as a builder field; undefined when a segment holds a dot (the name box splits on dots). */
function fieldOf(node: Node | undefined): Pick<ConditionRow, 'scope' | 'name'> | undefined {
  if (node?.kind !== 'path' || node.segments.some((segment) => segment.includes('.'))) return undefined;
  const [first, ...rest] = node.segments;
  const scope = first as FieldScope;
  if (rest.length === 0 && ['event', 'type', 'userId', 'anonymousId'].includes(scope))
    return { scope, name: '' };
  if (rest.length > 0 && scopeIsNamed(scope) && scope !== 'path') return { scope, name: rest.join('.') };
  return { scope: 'path', name: node.segments.join('.') };
}

/** The literal text of a glob with no wildcards left, or undefined when it has some. */
function unglob(pattern: string): string | undefined {
  let text = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\') {
      if (i + 1 >= pattern.length) return undefined;
      text += pattern[++i];
    } else if ('*?['.includes(char)) return undefined;
    else text += char;
  }
  return text;
}

function matchRow(pattern: string): Pick<ConditionRow, 'operator' | 'value'> {
  const endsWithStar = pattern.endsWith('*') && !pattern.endsWith('\\*');
  const prefix = endsWithStar ? unglob(pattern.slice(0, -1)) : undefined;
  if (prefix !== undefined) return { operator: 'starts_with', value: prefix };
  const suffix = pattern.startsWith('*') ? unglob(pattern.slice(1)) : undefined;
  if (suffix !== undefined) return { operator: 'ends_with', value: suffix };
  return { operator: 'matches', value: pattern };
}

/** A list the "is one of" box can show: strings without commas or edge spaces, which it would lose. */
function listText(list: readonly Literal[]): string | undefined {
  const fits = (value: Literal): value is string =>
    typeof value === 'string' && value !== '' && !value.includes(',') && value === value.trim();
  return list.length > 0 && list.every(fits) ? list.join(', ') : undefined;
}

function readRow(node: Node): ConditionRow | undefined {
  // `value` undefined means the operand does not fit the operator's box (not "no operand": that is '').
  const row = (
    target: Node | undefined,
    operator: Operator,
    value: string | undefined,
  ): ConditionRow | undefined => {
    const field = fieldOf(target);
    return field && value !== undefined ? { ...field, operator, value } : undefined;
  };
  switch (node.kind) {
    case 'not': {
      const inner = node.operand;
      if (inner.kind === 'in') return row(inner.value, 'not_one_of', listText(inner.list));
      const text = inner.kind === 'call' ? inner.args[1] : undefined;
      if (inner.kind === 'call' && inner.name === 'contains' && text?.kind === 'literal')
        return typeof text.value === 'string' ? row(inner.args[0], 'not_contains', text.value) : undefined;
      return undefined;
    }
    case 'in':
      return row(node.value, 'one_of', listText(node.list));
    case 'call': {
      const [target, text, extra] = node.args;
      if (extra !== undefined || text?.kind !== 'literal' || typeof text.value !== 'string') return undefined;
      if (node.name === 'contains') return row(target, 'contains', text.value);
      if (node.name !== 'match') return undefined;
      const { operator, value } = matchRow(text.value);
      return row(target, operator, value);
    }
    case 'compare': {
      if (node.right.kind !== 'literal') return undefined;
      const { operator } = node;
      const value = node.right.value;
      if (typeof value === 'number') {
        const found = Object.entries(NUMBER_OPERATORS).find(([, symbol]) => symbol === operator);
        return found ? row(node.left, found[0] as Operator, String(value)) : undefined;
      }
      if (operator !== '=' && operator !== '!=') return undefined;
      const equal = operator === '=';
      if (typeof value === 'string') return row(node.left, equal ? 'is' : 'is_not', value);
      if (value === null) return row(node.left, equal ? 'not_exists' : 'exists', '');
      return equal ? row(node.left, value ? 'is_true' : 'is_false', '') : undefined;
    }
    default:
      return undefined;
  }
}

/** The builder's form of an `if`, or undefined when the builder cannot show it without changing it. */
export function fqlToCondition(fql: string): Condition | undefined {
  if (fql.trim() === 'all') return { kind: 'all' };
  let tree: Node;
  try {
    tree = parse(fql);
  } catch {
    return undefined;
  }
  const combinator = tree.kind === 'or' ? 'or' : 'and';
  const operands = tree.kind === 'and' || tree.kind === 'or' ? tree.operands : [tree];
  const rows = operands.map(readRow);
  return rows.every((row) => row !== undefined) ? { kind: 'rows', combinator, rows } : undefined;
}
