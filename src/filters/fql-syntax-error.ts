/** Longest expression accepted; FQL lives in saved config, so anything bigger is abuse or a mistake. */
export const MAX_FQL_LENGTH = 10_000;
/** Deepest nesting of (), [], ! and function calls; keeps the recursive parser and evaluator off the stack limit. */
export const MAX_FQL_DEPTH = 64;

/**
 * A problem in an FQL expression. Segment silently drops events whose filter does not parse; Switchyard
 * rejects the filter when it is saved instead, so the error has to say exactly where the problem is.
 */
export class FqlSyntaxError extends Error {
  override name = 'FqlSyntaxError';
  /** 0-based character (UTF-16 code unit) offset into the source. */
  readonly position: number;
  /** 1-based line and column of `position`, for people reading a multi-line expression. */
  readonly line: number;
  readonly column: number;
  /** The message without the location, for callers that render the location themselves. */
  readonly reason: string;

  constructor(reason: string, source: string, position: number) {
    const before = source.slice(0, position);
    const line = before.split('\n').length;
    const column = position - (before.lastIndexOf('\n') + 1) + 1;
    super(`${reason} at ${line > 1 ? `line ${line}, ` : ''}column ${column}`);
    this.reason = reason;
    this.position = position;
    this.line = line;
    this.column = column;
  }
}
