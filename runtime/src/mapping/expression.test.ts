import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ExpressionError } from '../errors.ts';
import { compileExpression } from './expression.ts';

test('arithmetic with precedence, unary minus, powers and functions', () => {
  const cases: [string, number, number][] = [
    ['x', 3, 3],
    ['x * 1000', 1.5, 1500],
    ['floor(x + 0.5)', 2.5, 3],
    ['(x - 32) / 1.8', 212, 100],
    ['2 + 3 * x', 2, 8],
    ['-x ^ 2', 3, -9],
    ['2 ^ 3 ^ 2', 0, 512],
    ['clamp(x, 0, 100)', 140, 100],
    ['max(x, 1, 2) % 3', 7, 1],
    ['1e3 * .5', 0, 500],
  ];
  for (const [src, x, want] of cases) assert.is(compileExpression(src)(x), want, src);
});

test('bad expressions say where and what was expected; nothing is evaluated as code', () => {
  const err = (src: string): string => {
    try {
      compileExpression(src);
    } catch (e) {
      assert.instance(e, ExpressionError);
      return (e as Error).message;
    }
    return 'no error';
  };
  assert.is(err('x +'), 'expression "x +" at column 4: expected a number, x, a function or (');
  assert.is(err('process.exit(1)'), 'expression "process.exit(1)" at column 1: expected x or a function (floor, ceil, round, abs, sqrt, min, max, clamp)');
  assert.is(err('floor(x'), `expression "floor(x" at column 8: expected ',' or ')'`);
  assert.is(err('clamp(x, 1)'), 'expression "clamp(x, 1)" at column 1: expected clamp with 3 argument(s), not 2');
  assert.is(err('x x'), 'expression "x x" at column 3: expected an operator or the end');
  assert.match(err('('.repeat(100) + 'x' + ')'.repeat(100)), 'levels of nesting');
});

test.run();
