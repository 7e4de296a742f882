import type { FqlComparisonOperator, FqlExpression, FqlLiteralValue } from './fql-ast.ts';
import { FQL_FUNCTIONS, isFqlFunctionName } from './fql-functions.ts';
import { FqlLexer, type FqlToken } from './fql-lexer.ts';
import { FqlSyntaxError, MAX_FQL_DEPTH, MAX_FQL_LENGTH } from './fql-syntax-error.ts';
import { compileGlob, GlobSyntaxError } from './glob-match.ts';

const COMPARISONS = new Set<string>(['=', '!=', '<', '>', '<=', '>=']);

/*
 * Grammar, loosest binding first:
 *   or         := and ('or' and)*
 *   and        := unary ('and' unary)*
 *   unary      := '!' unary | comparison          -- so `!a = 1` means `!(a = 1)`
 *   comparison := operand (op operand | 'in' list)?
 *   operand    := literal | path | name '(' args ')' | '(' or ')'
 *   list       := '[' (literal (',' literal)*)? ']'
 */
class FqlParser {
  private depth = 0;

  constructor(private readonly lexer: FqlLexer) {}

  parseAll(): FqlExpression {
    const expression = this.parseOr();
    const token = this.lexer.peek();
    if (token.kind !== 'eof') this.unexpected(token);
    return expression;
  }

  private parseOr(): FqlExpression {
    return this.parseChain('or', () => this.parseAnd());
  }

  private parseAnd(): FqlExpression {
    return this.parseChain('and', () => this.parseUnary());
  }

  private parseChain(keyword: 'and' | 'or', parseOperand: () => FqlExpression): FqlExpression {
    const first = parseOperand();
    const operands = [first];
    while (this.isKeyword(this.lexer.peek(), keyword)) {
      this.lexer.next();
      operands.push(parseOperand());
    }
    return operands.length === 1 ? first : { kind: keyword, operands, position: first.position };
  }

  private parseUnary(): FqlExpression {
    const token = this.lexer.peek();
    if (token.kind === 'punct' && token.value === '!') {
      this.lexer.next();
      const operand = this.nested(token, () => this.parseUnary());
      return { kind: 'not', operand, position: token.position };
    }
    return this.parseComparison();
  }

  private parseComparison(): FqlExpression {
    const left = this.parseOperand();
    const token = this.lexer.peek();
    if (token.kind === 'punct' && COMPARISONS.has(token.value)) {
      this.lexer.next();
      const right = this.parseOperand();
      const operator = token.value as FqlComparisonOperator;
      return { kind: 'compare', operator, left, right, position: left.position };
    }
    if (this.isKeyword(token, 'in')) {
      this.lexer.next();
      return { kind: 'in', value: left, list: this.parseList(), position: left.position };
    }
    return left;
  }

  private parseOperand(): FqlExpression {
    const token = this.lexer.next();
    const position = token.position;
    switch (token.kind) {
      case 'string':
      case 'number':
        return { kind: 'literal', value: token.value, position };
      case 'keyword':
        if (token.value === 'true' || token.value === 'false' || token.value === 'null') {
          return { kind: 'literal', value: literalKeyword(token.value), position };
        }
        return this.unexpected(token);
      case 'path': {
        const after = this.lexer.peek();
        if (after.kind === 'punct' && after.value === '(') return this.parseCall(token);
        return { kind: 'path', segments: token.segments, position };
      }
      case 'punct':
        if (token.value === '(') {
          const inner = this.nested(token, () => this.parseOr());
          this.expect(')', "expected ')'");
          return inner;
        }
        return this.unexpected(token);
      case 'eof':
        return this.unexpected(token);
    }
  }

  private parseCall(nameToken: FqlToken & { kind: 'path' }): FqlExpression {
    const name = this.lexer.text(nameToken);
    if (!nameToken.simple || !isFqlFunctionName(name)) {
      return this.lexer.fail(`unknown function '${name}'`, nameToken.position);
    }
    this.lexer.next(); // (
    const args = this.nested(nameToken, () => {
      const parsed: FqlExpression[] = [];
      if (this.isPunct(this.lexer.peek(), ')')) return parsed;
      for (;;) {
        parsed.push(this.parseOr());
        if (!this.isPunct(this.lexer.peek(), ',')) return parsed;
        this.lexer.next();
      }
    });
    this.expect(')', `expected ',' or ')' in the arguments of ${name}()`);
    const { arity } = FQL_FUNCTIONS[name];
    if (args.length !== arity) {
      const expected = `${arity} argument${arity === 1 ? '' : 's'}`;
      this.lexer.fail(`${name}() takes ${expected}, got ${args.length}`, nameToken.position);
    }
    const pattern = args[1];
    if (name === 'match' && pattern?.kind === 'literal' && typeof pattern.value === 'string') {
      // A literal pattern can be checked now; one read from the event can only fail (never match) later.
      try {
        compileGlob(pattern.value);
      } catch (error) {
        if (!(error instanceof GlobSyntaxError)) throw error;
        this.lexer.fail(`invalid match() pattern: ${error.message}`, pattern.position);
      }
    }
    return { kind: 'call', name, args, position: nameToken.position };
  }

  private parseList(): FqlLiteralValue[] {
    const open = this.lexer.peek();
    this.expect('[', "expected '[' after 'in'");
    return this.nested(open, () => {
      const values: FqlLiteralValue[] = [];
      if (this.isPunct(this.lexer.peek(), ']')) {
        this.lexer.next();
        return values;
      }
      for (;;) {
        const token = this.lexer.next();
        if (token.kind === 'string' || token.kind === 'number') values.push(token.value);
        else if (
          token.kind === 'keyword' &&
          token.value !== 'and' &&
          token.value !== 'or' &&
          token.value !== 'in'
        ) {
          values.push(literalKeyword(token.value));
        } else {
          this.lexer.fail(`expected a literal in the list, found ${this.describe(token)}`, token.position);
        }
        const separator = this.lexer.next();
        if (this.isPunct(separator, ']')) return values;
        if (!this.isPunct(separator, ',')) {
          this.lexer.fail(
            `expected ',' or ']' in the list, found ${this.describe(separator)}`,
            separator.position,
          );
        }
      }
    });
  }

  /** Runs `parse` one level deeper, refusing to go past MAX_FQL_DEPTH. */
  private nested<T>(at: FqlToken, parse: () => T): T {
    if (this.depth >= MAX_FQL_DEPTH) {
      this.lexer.fail(`expression is nested more than ${MAX_FQL_DEPTH} levels deep`, at.position);
    }
    this.depth += 1;
    const result = parse();
    this.depth -= 1;
    return result;
  }

  private expect(value: ')' | ']' | '[', reason: string): void {
    const token = this.lexer.next();
    if (!this.isPunct(token, value))
      this.lexer.fail(`${reason}, found ${this.describe(token)}`, token.position);
  }

  private unexpected(token: FqlToken): never {
    if (token.kind === 'eof') return this.lexer.fail('unexpected end of expression', token.position);
    return this.lexer.fail(`unexpected token '${this.lexer.text(token)}'`, token.position);
  }

  private describe(token: FqlToken): string {
    return token.kind === 'eof' ? 'end of expression' : `'${this.lexer.text(token)}'`;
  }

  private isPunct(token: FqlToken, value: string): boolean {
    return token.kind === 'punct' && token.value === value;
  }

  private isKeyword(token: FqlToken, value: string): boolean {
    return token.kind === 'keyword' && token.value === value;
  }
}

function literalKeyword(value: 'true' | 'false' | 'null'): FqlLiteralValue {
  return value === 'null' ? null : value === 'true';
}

/** Parses an FQL expression into an AST, throwing FqlSyntaxError (with position) on any problem. */
export function parseFql(source: string): FqlExpression {
  if (typeof source !== 'string') throw new TypeError('an FQL expression must be a string');
  if (source.length > MAX_FQL_LENGTH) {
    throw new FqlSyntaxError(
      `expression is longer than ${MAX_FQL_LENGTH} characters`,
      source,
      MAX_FQL_LENGTH,
    );
  }
  return new FqlParser(new FqlLexer(source)).parseAll();
}
