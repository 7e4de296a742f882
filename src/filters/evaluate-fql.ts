import type { FqlComparisonOperator, FqlExpression } from './fql-ast.ts';
import { FQL_FUNCTIONS, strictEquals, truthy } from './fql-functions.ts';
import { readPath } from './read-path.ts';

/** `<` and friends only order two numbers or two strings; any other pairing is simply false. */
function compare(operator: FqlComparisonOperator, left: unknown, right: unknown): boolean {
  if (operator === '=') return strictEquals(left, right);
  if (operator === '!=') return !strictEquals(left, right);
  const comparable =
    (typeof left === 'number' && typeof right === 'number') ||
    (typeof left === 'string' && typeof right === 'string');
  if (!comparable) return false;
  switch (operator) {
    case '<':
      return left < right;
    case '>':
      return left > right;
    case '<=':
      return left <= right;
    case '>=':
      return left >= right;
  }
}

function evaluateValue(expression: FqlExpression, event: unknown): unknown {
  switch (expression.kind) {
    case 'literal':
      return expression.value;
    case 'path':
      return readPath(event, expression.segments);
    case 'not':
      return !truthy(evaluateValue(expression.operand, event));
    case 'and':
      return expression.operands.every((operand) => truthy(evaluateValue(operand, event)));
    case 'or':
      return expression.operands.some((operand) => truthy(evaluateValue(operand, event)));
    case 'compare':
      return compare(
        expression.operator,
        evaluateValue(expression.left, event),
        evaluateValue(expression.right, event),
      );
    case 'in': {
      const value = evaluateValue(expression.value, event);
      return expression.list.some((item) => strictEquals(value, item));
    }
    case 'call': {
      const args = expression.args.map((arg) => evaluateValue(arg, event));
      return FQL_FUNCTIONS[expression.name].call(args);
    }
  }
}

/** Whether `event` matches a parsed FQL expression. Missing paths are null; nothing here throws. */
export function evaluateFql(expression: FqlExpression, event: unknown): boolean {
  return truthy(evaluateValue(expression, event));
}
