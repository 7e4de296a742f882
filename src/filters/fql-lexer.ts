import { FqlSyntaxError } from './fql-syntax-error.ts';

export type FqlPunctuation = '(' | ')' | '[' | ']' | ',' | '!' | '=' | '!=' | '<' | '>' | '<=' | '>=';
export type FqlKeyword = 'and' | 'or' | 'in' | 'true' | 'false' | 'null';

export type FqlToken = { position: number; end: number } & (
  | { kind: 'path'; segments: string[]; simple: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'punct'; value: FqlPunctuation }
  | { kind: 'keyword'; value: FqlKeyword }
  | { kind: 'eof' }
);

const KEYWORDS = new Set<string>(['and', 'or', 'in', 'true', 'false', 'null']);
const STRING_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', n: '\n', r: '\r', t: '\t' };
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

const isDigit = (char: string | undefined): boolean => char !== undefined && char >= '0' && char <= '9';
const isIdentStart = (char: string | undefined): boolean => char !== undefined && /[A-Za-z_$]/.test(char);
const isIdentPart = (char: string | undefined): boolean => char !== undefined && /[A-Za-z0-9_$]/.test(char);

/**
 * Turns FQL source into tokens on demand. Lazy rather than up-front so that the first error reported
 * is the leftmost one, whether it is lexical or grammatical.
 */
export class FqlLexer {
  private pos = 0;
  private lookahead: FqlToken | undefined;

  constructor(private readonly source: string) {}

  peek(): FqlToken {
    this.lookahead ??= this.read();
    return this.lookahead;
  }

  next(): FqlToken {
    const token = this.peek();
    this.lookahead = undefined;
    return token;
  }

  /** The source text of a token, shortened for use in messages. */
  text(token: FqlToken): string {
    const raw = this.source.slice(token.position, token.end);
    return raw.length > 30 ? `${raw.slice(0, 27)}...` : raw;
  }

  fail(reason: string, position: number): never {
    throw new FqlSyntaxError(reason, this.source, position);
  }

  private read(): FqlToken {
    const src = this.source;
    while (/\s/.test(src[this.pos] ?? '')) this.pos += 1;
    const start = this.pos;
    const char = src[start];
    if (char === undefined) return { kind: 'eof', position: start, end: start };
    if (char === '"') return this.readString();
    if (isDigit(char) || (char === '-' && isDigit(src[start + 1]))) return this.readNumber();
    if (isIdentStart(char) || char === '\\') return this.readPath();
    const two = src.slice(start, start + 2);
    if (two === '!=' || two === '<=' || two === '>=') {
      this.pos += 2;
      return { kind: 'punct', value: two, position: start, end: this.pos };
    }
    if ('()[],!=<>'.includes(char)) {
      this.pos += 1;
      return { kind: 'punct', value: char as FqlPunctuation, position: start, end: this.pos };
    }
    const codePoint = String.fromCodePoint(src.codePointAt(start) ?? 0);
    return this.fail(`unexpected character '${codePoint}'`, start);
  }

  private readString(): FqlToken {
    const src = this.source;
    const start = this.pos;
    let value = '';
    let i = start + 1;
    for (;;) {
      const char = src[i];
      if (char === undefined) return this.fail('unterminated string', start);
      if (char === '"') break;
      if (char !== '\\') {
        value += char;
        i += 1;
        continue;
      }
      const escaped = src[i + 1];
      if (escaped === undefined) return this.fail('unterminated string', start);
      if (escaped === 'u') {
        const hex = src.slice(i + 2, i + 6);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) return this.fail('invalid \\u escape', i);
        value += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        continue;
      }
      // Unknown escapes keep their backslash so glob escapes such as "a\*b" reach match() intact.
      value += STRING_ESCAPES[escaped] ?? `\\${escaped}`;
      i += 2;
    }
    this.pos = i + 1;
    return { kind: 'string', value, position: start, end: this.pos };
  }

  private readNumber(): FqlToken {
    const start = this.pos;
    NUMBER.lastIndex = start;
    const text = NUMBER.exec(this.source)?.[0] ?? '';
    this.pos = start + text.length;
    // `1.`, `1e`, `12abc` and `1.2.3` are typos, not a number followed by something else.
    const after = this.source[this.pos];
    if (isIdentPart(after) || after === '.' || after === '\\') return this.fail(`invalid number`, start);
    const value = Number(text);
    if (!Number.isFinite(value)) return this.fail('number out of range', start);
    return { kind: 'number', value, position: start, end: this.pos };
  }

  private readPath(): FqlToken {
    const start = this.pos;
    const segments = [this.readSegment(false)];
    while (this.source[this.pos] === '.') {
      this.pos += 1;
      segments.push(this.readSegment(true));
    }
    const raw = this.source.slice(start, this.pos);
    // Only a single unescaped identifier can be a keyword or a function name; `\and` is a field.
    const simple = segments.length === 1 && !raw.includes('\\');
    if (simple && KEYWORDS.has(raw)) {
      return { kind: 'keyword', value: raw as FqlKeyword, position: start, end: this.pos };
    }
    return { kind: 'path', segments, simple, position: start, end: this.pos };
  }

  /** One path segment: an identifier (with `\x` escapes) or, after a dot, an all-digit array index. */
  private readSegment(afterDot: boolean): string {
    const src = this.source;
    const start = this.pos;
    if (afterDot && isDigit(src[start])) {
      while (isDigit(src[this.pos])) this.pos += 1;
      if (isIdentPart(src[this.pos]) || src[this.pos] === '\\') {
        return this.fail('a path segment that starts with a digit must be all digits', start);
      }
      return src.slice(start, this.pos);
    }
    if (!isIdentStart(src[start]) && src[start] !== '\\') {
      return this.fail("expected a path segment after '.'", start);
    }
    let segment = '';
    for (;;) {
      const char = src[this.pos];
      if (isIdentPart(char)) {
        segment += char;
        this.pos += 1;
      } else if (char === '\\') {
        const codePoint = src.codePointAt(this.pos + 1);
        if (codePoint === undefined) return this.fail('dangling \\ at the end of a path', this.pos);
        const escaped = String.fromCodePoint(codePoint);
        segment += escaped;
        this.pos += 1 + escaped.length;
      } else {
        return segment;
      }
    }
  }
}
