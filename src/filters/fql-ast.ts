import type { FqlFunctionName } from './fql-functions.ts';

export type FqlLiteralValue = string | number | boolean | null;
export type FqlComparisonOperator = '=' | '!=' | '<' | '>' | '<=' | '>=';

/** Every node keeps the offset where it starts so later checks can point at the source. */
export type FqlExpression =
  | { kind: 'literal'; value: FqlLiteralValue; position: number }
  | { kind: 'path'; segments: string[]; position: number }
  | { kind: 'call'; name: FqlFunctionName; args: FqlExpression[]; position: number }
  | {
      kind: 'compare';
      operator: FqlComparisonOperator;
      left: FqlExpression;
      right: FqlExpression;
      position: number;
    }
  | { kind: 'in'; value: FqlExpression; list: FqlLiteralValue[]; position: number }
  | { kind: 'not'; operand: FqlExpression; position: number }
  // n-ary rather than binary so a long chain of `or`s stays shallow for the evaluator.
  | { kind: 'and' | 'or'; operands: FqlExpression[]; position: number };
