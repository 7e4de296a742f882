// Glob matching for FQL's match(). Implemented by hand instead of translating to a RegExp: patterns may
// come from events, and a wildcard matcher with one backtrack point is O(text × pattern) where a
// regex with many `.*` can backtrack exponentially.

type GlobPart =
  | { kind: 'char'; char: string }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'class'; negated: boolean; ranges: Array<[number, number]> };

export class GlobSyntaxError extends Error {
  override name = 'GlobSyntaxError';
  /** Index (in code points) of the problem within the pattern. */
  readonly index: number;

  constructor(message: string, index: number) {
    super(message);
    this.index = index;
  }
}

/** Parses a glob: `*` any run, `?` one character, `[a-z]` / `[!a-z]` classes, `\x` a literal x. */
export function compileGlob(pattern: string): GlobPart[] {
  // Code points, so `?` and classes treat an emoji as one character.
  const chars = Array.from(pattern);
  const parts: GlobPart[] = [];
  let i = 0;
  const escaped = (at: number): string => {
    const next = chars[at + 1];
    if (next === undefined) throw new GlobSyntaxError('dangling \\ at the end of the pattern', at);
    return next;
  };
  while (i < chars.length) {
    const char = chars[i] as string;
    if (char === '*') {
      // Runs of stars mean the same as one; collapsing them keeps matching linear in the pattern.
      if (parts.at(-1)?.kind !== 'star') parts.push({ kind: 'star' });
      i += 1;
    } else if (char === '?') {
      parts.push({ kind: 'any' });
      i += 1;
    } else if (char === '\\') {
      parts.push({ kind: 'char', char: escaped(i) });
      i += 2;
    } else if (char === '[') {
      const start = i;
      i += 1;
      const negated = chars[i] === '!';
      if (negated) i += 1;
      const ranges: Array<[number, number]> = [];
      let first = true;
      const readMember = (): string => {
        const member = chars[i];
        if (member === undefined) throw new GlobSyntaxError('unterminated [ character class', start);
        if (member === '\\') {
          i += 2;
          return escaped(i - 2);
        }
        i += 1;
        return member;
      };
      // A `]` right after `[` or `[!` is a member, as in POSIX globs.
      while (first || chars[i] !== ']') {
        first = false;
        const from = readMember();
        let to = from;
        if (chars[i] === '-' && chars[i + 1] !== ']' && chars[i + 1] !== undefined) {
          i += 1;
          to = readMember();
        }
        const low = from.codePointAt(0) ?? 0;
        const high = to.codePointAt(0) ?? 0;
        if (low > high) throw new GlobSyntaxError(`invalid range ${from}-${to}`, start);
        ranges.push([low, high]);
        if (chars[i] === undefined) throw new GlobSyntaxError('unterminated [ character class', start);
      }
      i += 1;
      parts.push({ kind: 'class', negated, ranges });
    } else {
      parts.push({ kind: 'char', char });
      i += 1;
    }
  }
  return parts;
}

function matchesOne(part: GlobPart, char: string): boolean {
  switch (part.kind) {
    case 'char':
      return part.char === char;
    case 'any':
      return true;
    case 'class': {
      const code = char.codePointAt(0) ?? 0;
      const inside = part.ranges.some(([low, high]) => code >= low && code <= high);
      return inside !== part.negated;
    }
    case 'star':
      return false;
  }
}

/** Whole-string, case-sensitive match of `text` against compiled glob `parts`. */
export function matchCompiledGlob(parts: readonly GlobPart[], text: string): boolean {
  const chars = Array.from(text);
  let p = 0;
  let t = 0;
  // Where the last star was and how much text it has swallowed so far; every non-star part consumes
  // exactly one character, so retrying from only the latest star is enough.
  let starPart = -1;
  let starText = 0;
  while (t < chars.length) {
    const part = parts[p];
    if (part !== undefined && part.kind === 'star') {
      starPart = p;
      starText = t;
      p += 1;
    } else if (part !== undefined && matchesOne(part, chars[t] as string)) {
      p += 1;
      t += 1;
    } else if (starPart >= 0) {
      p = starPart + 1;
      starText += 1;
      t = starText;
    } else {
      return false;
    }
  }
  while (parts[p]?.kind === 'star') p += 1;
  return p === parts.length;
}

const GLOB_CACHE_LIMIT = 500;
const globCache = new Map<string, GlobPart[] | null>();

/** Matches `text` against `pattern`; an invalid pattern (only possible when it comes from the event) never matches. */
export function matchGlob(text: string, pattern: string): boolean {
  let parts = globCache.get(pattern);
  if (parts === undefined) {
    try {
      parts = compileGlob(pattern);
    } catch (error) {
      if (!(error instanceof GlobSyntaxError)) throw error;
      parts = null;
    }
    if (globCache.size >= GLOB_CACHE_LIMIT) globCache.clear();
    globCache.set(pattern, parts);
  }
  return parts !== null && matchCompiledGlob(parts, text);
}
