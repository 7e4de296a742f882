import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFql } from './fql-parser.ts';
import { FqlSyntaxError, MAX_FQL_DEPTH, MAX_FQL_LENGTH } from './fql-syntax-error.ts';

function syntaxError(source: string): FqlSyntaxError {
  try {
    parseFql(source);
  } catch (error) {
    assert.ok(error instanceof FqlSyntaxError, `expected FqlSyntaxError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(source)} not to parse`);
}

describe('parseFql', () => {
  it('builds an AST with positions', () => {
    assert.deepEqual(parseFql('properties.price >= 10'), {
      kind: 'compare',
      operator: '>=',
      left: { kind: 'path', segments: ['properties', 'price'], position: 0 },
      right: { kind: 'literal', value: 10, position: 20 },
      position: 0,
    });
  });

  it('reads every literal form', () => {
    const literal = (source: string): unknown => {
      const ast = parseFql(`x = ${source}`);
      assert.equal(ast.kind, 'compare');
      return ast.kind === 'compare' && ast.right.kind === 'literal' ? ast.right.value : undefined;
    };
    assert.equal(literal('"Order \\"Completed\\""'), 'Order "Completed"');
    assert.equal(literal('"tab\\there\\u0041\\\\"'), 'tab\thereA\\');
    assert.equal(literal('"a\\*b"'), 'a\\*b');
    assert.equal(literal('42'), 42);
    assert.equal(literal('-3.5'), -3.5);
    assert.equal(literal('1.5e3'), 1500);
    assert.equal(literal('2E-2'), 0.02);
    assert.equal(literal('true'), true);
    assert.equal(literal('false'), false);
    assert.equal(literal('null'), null);
  });

  it('reads array-index and escaped path segments', () => {
    const path = (source: string): unknown => {
      const ast = parseFql(source);
      return ast.kind === 'path' ? ast.segments : ast;
    };
    assert.deepEqual(path('properties.items.0.sku'), ['properties', 'items', '0', 'sku']);
    assert.deepEqual(path('properties.first\\-name'), ['properties', 'first-name']);
    assert.deepEqual(path('properties.\\and'), ['properties', 'and']);
    assert.deepEqual(path('properties.in'), ['properties', 'in']);
    assert.deepEqual(path('$ctx._x1'), ['$ctx', '_x1']);
  });

  it('makes and bind tighter than or, and keeps chains flat', () => {
    const ast = parseFql('a or b and c or d');
    assert.equal(ast.kind, 'or');
    assert.ok(ast.kind === 'or');
    assert.deepEqual(
      ast.operands.map((operand) => operand.kind),
      ['path', 'and', 'path'],
    );
  });

  it('applies ! to a whole comparison', () => {
    const ast = parseFql('!event = "x"');
    assert.ok(ast.kind === 'not');
    assert.equal(ast.operand.kind, 'compare');
  });

  it('parses in-lists, including an empty one', () => {
    const ast = parseFql('type in ["track", 1, true, null]');
    assert.ok(ast.kind === 'in');
    assert.deepEqual(ast.list, ['track', 1, true, null]);
    const empty = parseFql('type in []');
    assert.ok(empty.kind === 'in');
    assert.deepEqual(empty.list, []);
  });

  it('parses function calls with nested arguments', () => {
    const ast = parseFql('contains(lowercase(event), "order")');
    assert.ok(ast.kind === 'call');
    assert.equal(ast.name, 'contains');
    assert.deepEqual(
      ast.args.map((arg) => arg.kind),
      ['call', 'literal'],
    );
  });

  it('tolerates whitespace and newlines', () => {
    assert.equal(parseFql('  (\n event = "a"\t)  ').kind, 'compare');
  });
});

describe('parseFql syntax errors', () => {
  // [source, 0-based position, message fragment]
  const cases: Array<[string, number, string]> = [
    ['', 0, 'unexpected end of expression'],
    ['   ', 3, 'unexpected end of expression'],
    ['event = "a")', 11, "unexpected token ')'"],
    ['(event = "a"', 12, "expected ')', found end of expression"],
    ['event = "abc', 8, 'unterminated string'],
    ['event = "abc\\', 8, 'unterminated string'],
    ['event = "\\u12"', 9, 'invalid \\u escape'],
    ['event # 1', 6, "unexpected character '#'"],
    ['event = 🚀', 8, "unexpected character '🚀'"],
    ['price > -x', 8, "unexpected character '-'"],
    ['price > 1.', 8, 'invalid number'],
    ['price > 1e', 8, 'invalid number'],
    ['price > 12abc', 8, 'invalid number'],
    ['price > 1e999', 8, 'number out of range'],
    ['properties.', 11, "expected a path segment after '.'"],
    ['properties..x', 11, "expected a path segment after '.'"],
    ['properties.0abc', 11, 'must be all digits'],
    ['properties.a\\', 12, 'dangling \\'],
    ['foo(event)', 0, "unknown function 'foo'"],
    ['Lowercase(event)', 0, "unknown function 'Lowercase'"],
    ['toString(event)', 0, "unknown function 'toString'"],
    ['properties.contains(x)', 0, "unknown function 'properties.contains'"],
    ['length(a, b)', 0, 'length() takes 1 argument, got 2'],
    ['x = 1 and contains(a)', 10, 'contains() takes 2 arguments, got 1'],
    ['typeof()', 0, 'typeof() takes 1 argument, got 0'],
    ['length(a b)', 9, "expected ',' or ')' in the arguments of length(), found 'b'"],
    ['match(event, "[a-")', 13, 'invalid match() pattern: unterminated [ character class'],
    ['match(event, "[z-a]")', 13, 'invalid match() pattern: invalid range z-a'],
    ['event in "a"', 9, "expected '[' after 'in', found '\"a\"'"],
    ['event in [type]', 10, "expected a literal in the list, found 'type'"],
    ['event in ["a",]', 14, "expected a literal in the list, found ']'"],
    ['event in ["a" "b"]', 14, "expected ',' or ']' in the list, found '\"b\"'"],
    ['event in ["a"', 13, "expected ',' or ']' in the list, found end of expression"],
    ['event = "a" and', 15, 'unexpected end of expression'],
    ['or event', 0, "unexpected token 'or'"],
    ['event = and', 8, "unexpected token 'and'"],
    ['a = 1 = 2', 6, "unexpected token '='"],
    ['event == "a"', 7, "unexpected token '='"],
    ['event = "a" event = "b"', 12, "unexpected token 'event'"],
    ['event = !x', 8, "unexpected token '!'"],
    ['()', 1, "unexpected token ')'"],
  ];
  for (const [source, position, message] of cases) {
    it(`rejects ${JSON.stringify(source)} at ${position}`, () => {
      const error = syntaxError(source);
      assert.equal(error.position, position);
      assert.equal(error.column, position + 1);
      assert.ok(error.message.includes(message), `${error.message} should include ${message}`);
      assert.ok(error.message.endsWith(`at column ${position + 1}`), error.message);
    });
  }

  it('reports line and column on multi-line input', () => {
    const error = syntaxError('event = "a"\n  and )');
    assert.equal(error.position, 18);
    assert.equal(error.line, 2);
    assert.equal(error.column, 7);
    assert.equal(error.message, "unexpected token ')' at line 2, column 7");
    assert.equal(error.reason, "unexpected token ')'");
  });

  it('refuses expressions over the length limit', () => {
    const source = `event = "${'a'.repeat(MAX_FQL_LENGTH)}"`;
    const error = syntaxError(source);
    assert.equal(error.position, MAX_FQL_LENGTH);
    assert.match(error.message, /longer than 10000 characters/);
    // Exactly at the limit is fine.
    assert.equal(parseFql(`x = "${'a'.repeat(MAX_FQL_LENGTH - 6)}"`).kind, 'compare');
  });

  it('refuses nesting beyond the depth limit, counting (), !, calls and lists', () => {
    assert.equal(parseFql(`${'('.repeat(MAX_FQL_DEPTH)}a${')'.repeat(MAX_FQL_DEPTH)}`).kind, 'path');
    const parens = syntaxError(`${'('.repeat(MAX_FQL_DEPTH + 1)}a${')'.repeat(MAX_FQL_DEPTH + 1)}`);
    assert.equal(parens.position, MAX_FQL_DEPTH);
    assert.match(parens.message, /nested more than 64 levels/);
    assert.equal(syntaxError(`${'!'.repeat(MAX_FQL_DEPTH + 1)}a`).position, MAX_FQL_DEPTH);
    const calls = `${'lowercase('.repeat(MAX_FQL_DEPTH + 1)}a${')'.repeat(MAX_FQL_DEPTH + 1)}`;
    assert.equal(syntaxError(calls).position, MAX_FQL_DEPTH * 'lowercase('.length);
    const list = `${'('.repeat(MAX_FQL_DEPTH)}a in []${')'.repeat(MAX_FQL_DEPTH)}`;
    assert.equal(syntaxError(list).position, MAX_FQL_DEPTH + 5);
  });

  it('rejects a non-string source with a TypeError', () => {
    assert.throws(() => parseFql(42 as unknown as string), TypeError);
  });
});
