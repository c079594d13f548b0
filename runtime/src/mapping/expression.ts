import { ExpressionError } from '../errors.ts';

/**
 * Transform expressions of the signal mapping: arithmetic on the input `x`, parsed once and
 * compiled to closures (never `eval`). Grammar:
 *
 * ```
 *   expr    = term  (("+" | "-") term)*
 *   term    = unary (("*" | "/" | "%") unary)*
 *   unary   = "-" unary | power
 *   power   = primary ("^" unary)?
 *   primary = number | "x" | name "(" expr ("," expr)* ")" | "(" expr ")"
 *   name    = floor | ceil | round | abs | min | max | clamp | sqrt
 * ```
 *
 * e.g. `floor(x + 0.5)`, `x * 1000`, `clamp(x, 0, 100)`, `(x - 32) / 1.8`.
 */
export type Transform = (x: number) => number;

const FUNCTIONS: Record<string, { arity: [number, number]; fn: (...a: number[]) => number }> = {
  floor: { arity: [1, 1], fn: Math.floor },
  ceil: { arity: [1, 1], fn: Math.ceil },
  round: { arity: [1, 1], fn: Math.round },
  abs: { arity: [1, 1], fn: Math.abs },
  sqrt: { arity: [1, 1], fn: Math.sqrt },
  min: { arity: [2, 8], fn: Math.min },
  max: { arity: [2, 8], fn: Math.max },
  clamp: { arity: [3, 3], fn: (v, lo, hi) => Math.min(Math.max(v, lo), hi) },
};

/** Longest expression accepted; mappings are written by people, not generated. */
const MAX_LENGTH = 500;
/** Deepest nesting accepted, so a hostile mapping cannot exhaust the stack. */
const MAX_DEPTH = 32;

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly src: string) {}

  fail(expected: string, at = this.pos): never {
    throw new ExpressionError(this.src, at + 1, expected);
  }

  private skip(): void {
    while (this.src[this.pos] === ' ' || this.src[this.pos] === '\t') this.pos++;
  }

  private peek(): string {
    this.skip();
    return this.src[this.pos] ?? '';
  }

  parse(): Transform {
    const e = this.expr();
    if (this.peek() !== '') this.fail('an operator or the end');
    return e;
  }

  private expr(): Transform {
    let left = this.term();
    for (let op = this.peek(); op === '+' || op === '-'; op = this.peek()) {
      this.pos++;
      const l = left;
      const r = this.term();
      left = op === '+' ? (x) => l(x) + r(x) : (x) => l(x) - r(x);
    }
    return left;
  }

  private term(): Transform {
    let left = this.unary();
    for (let op = this.peek(); op === '*' || op === '/' || op === '%'; op = this.peek()) {
      this.pos++;
      const l = left;
      const r = this.unary();
      left = op === '*' ? (x) => l(x) * r(x) : op === '/' ? (x) => l(x) / r(x) : (x) => l(x) % r(x);
    }
    return left;
  }

  private unary(): Transform {
    if (this.peek() === '-') {
      this.pos++;
      const inner = this.nested(() => this.unary());
      return (x) => -inner(x);
    }
    const base = this.primary();
    if (this.peek() !== '^') return base;
    this.pos++;
    const exp = this.nested(() => this.unary());
    return (x) => base(x) ** exp(x);
  }

  private nested(f: () => Transform): Transform {
    if (++this.depth > MAX_DEPTH) this.fail(`at most ${MAX_DEPTH} levels of nesting`);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private primary(): Transform {
    const c = this.peek();
    const start = this.pos;
    if (c === '(') {
      this.pos++;
      const inner = this.nested(() => this.expr());
      if (this.peek() !== ')') this.fail("')'");
      this.pos++;
      return inner;
    }
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(this.src.slice(this.pos));
    if (num) {
      this.pos += num[0].length;
      const v = Number(num[0]);
      return () => v;
    }
    const name = /^[A-Za-z_]\w*/.exec(this.src.slice(this.pos))?.[0];
    if (name === undefined) this.fail('a number, x, a function or (');
    this.pos += name.length;
    if (name === 'x') return (x) => x;
    const f = FUNCTIONS[name];
    if (!f) this.fail(`x or a function (${Object.keys(FUNCTIONS).join(', ')})`, start);
    return this.call(name, f, start);
  }

  private call(name: string, f: (typeof FUNCTIONS)[string], start: number): Transform {
    if (this.peek() !== '(') this.fail(`'(' after ${name}`);
    this.pos++;
    const args: Transform[] = [this.nested(() => this.expr())];
    while (this.peek() === ',') {
      this.pos++;
      args.push(this.nested(() => this.expr()));
    }
    if (this.peek() !== ')') this.fail("',' or ')'");
    this.pos++;
    const [lo, hi] = f.arity;
    if (args.length < lo || args.length > hi) this.fail(`${name} with ${lo === hi ? lo : `${lo} to ${hi}`} argument(s), not ${args.length}`, start);
    const fn = f.fn;
    if (args.length === 1) {
      const a = args[0]!;
      return (x) => fn(a(x));
    }
    return (x) => fn(...args.map((a) => a(x)));
  }
}

/**
 * Compiles a transform expression.
 * @throws ExpressionError with the 1-based column and what was expected there.
 */
export function compileExpression(src: string): Transform {
  if (src.length > MAX_LENGTH) throw new ExpressionError(src.slice(0, 40) + '…', MAX_LENGTH + 1, `at most ${MAX_LENGTH} characters`);
  return new Parser(src).parse();
}
