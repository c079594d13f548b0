import { DbcSyntaxError, type SourceLocation } from '../../errors.ts';

/** Characters allowed in DBC identifiers. Real files start names with digits, so we allow that. */
const IDENT = /[A-Za-z0-9_]+/y;
/** Decimal numbers as real files write them: `-1`, `.25`, `1E-005`, `+3.4E+038`. */
const NUMBER = /[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
/** Unsigned decimal integer. */
const UINT = /\d+/y;
/** Hex integers appear in a few files' attribute values (`0x1F`). */
const HEX = /0[xX][0-9A-Fa-f]+/y;

const CH_SPACE = 0x20;
const CH_TAB = 0x09;
const CH_CR = 0x0d;
const CH_LF = 0x0a;
const CH_QUOTE = 0x22;
const CH_BACKSLASH = 0x5c;
const CH_SLASH = 0x2f;
/** Some exporters emit form feeds and vertical tabs as whitespace. */
const CH_FF = 0x0c;
const CH_VT = 0x0b;

function isInlineSpace(c: number): boolean {
  return c === CH_SPACE || c === CH_TAB || c === CH_CR || c === CH_FF || c === CH_VT || c === 0xa0;
}

/**
 * A cursor over DBC text that knows lines and columns. Every `expect*` method either consumes
 * what it names or throws a `DbcSyntaxError` marking the spot; nothing here can loop without
 * advancing, which the fuzz test relies on.
 */
export class Scanner {
  pos = 0;
  private lineStarts: number[] | null = null;

  constructor(
    readonly text: string,
    readonly file: string,
  ) {}

  get eof(): boolean {
    return this.pos >= this.text.length;
  }

  /** Skips whitespace including newlines, and `//` line comments (not DBC, but seen in the wild). */
  skipSpace(): void {
    const t = this.text;
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (isInlineSpace(c) || c === CH_LF) this.pos++;
      else if (c === CH_SLASH && t.charCodeAt(this.pos + 1) === CH_SLASH) {
        const nl = t.indexOf('\n', this.pos);
        this.pos = nl < 0 ? t.length : nl + 1;
      } else return;
    }
  }

  /** Skips spaces and tabs but stops at a newline. */
  skipInlineSpace(): void {
    while (isInlineSpace(this.text.charCodeAt(this.pos))) this.pos++;
  }

  /** True when only inline whitespace remains before the next newline or the end. */
  atLineEnd(): boolean {
    this.skipInlineSpace();
    return this.eof || this.text.charCodeAt(this.pos) === CH_LF;
  }

  /** The next character after whitespace, without consuming it ('' at the end). */
  peek(): string {
    this.skipSpace();
    return this.text.charAt(this.pos);
  }

  /** Consumes `ch` if it is next (after whitespace). */
  accept(ch: string): boolean {
    if (this.peek() === ch) {
      this.pos++;
      return true;
    }
    return false;
  }

  expect(ch: string, expected = `'${ch}'`): void {
    if (!this.accept(ch)) throw this.error(expected);
  }

  /** Reads an identifier, or returns null without consuming anything. */
  tryIdent(): string | null {
    this.skipSpace();
    IDENT.lastIndex = this.pos;
    const m = IDENT.exec(this.text);
    if (!m) return null;
    this.pos = IDENT.lastIndex;
    return m[0];
  }

  ident(expected: string): string {
    const id = this.tryIdent();
    if (id === null) throw this.error(expected);
    return id;
  }

  /** The identifier that comes next, without consuming it. */
  peekIdent(): string | null {
    const save = this.pos;
    const id = this.tryIdent();
    this.pos = save;
    return id;
  }

  tryNumber(): number | null {
    this.skipSpace();
    HEX.lastIndex = this.pos;
    const h = HEX.exec(this.text);
    if (h) {
      this.pos = HEX.lastIndex;
      return parseInt(h[0].slice(2), 16);
    }
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) return null;
    this.pos = NUMBER.lastIndex;
    return Number(m[0]);
  }

  number(expected: string): number {
    const n = this.tryNumber();
    if (n === null) throw this.error(expected);
    return n;
  }

  /** A non-negative decimal integer (no sign, no fraction). */
  uint(expected: string): number {
    this.skipSpace();
    UINT.lastIndex = this.pos;
    const m = UINT.exec(this.text);
    // `12x` is not a number followed by a name: refuse it where it starts.
    if (!m || /[A-Za-z_]/.test(this.text.charAt(UINT.lastIndex))) throw this.error(expected);
    this.pos = UINT.lastIndex;
    return Number(m[0]);
  }

  /** An integer that may carry a sign (VAL_ keys, attribute values). */
  int(expected: string): number {
    const start = this.pos;
    const n = this.tryNumber();
    if (n === null || !Number.isInteger(n)) {
      this.pos = start;
      throw this.error(expected);
    }
    return n;
  }

  /** A double-quoted string; may span lines; `\"` and `\\` are escapes. */
  string(expected: string): string {
    this.skipSpace();
    const t = this.text;
    if (t.charCodeAt(this.pos) !== CH_QUOTE) throw this.error(expected);
    const start = this.pos;
    let out = '';
    let from = this.pos + 1;
    for (let i = from; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === CH_BACKSLASH && i + 1 < t.length) {
        out += t.slice(from, i);
        from = i + 1; // keep the escaped character literally
        i++;
      } else if (c === CH_QUOTE) {
        out += t.slice(from, i);
        this.pos = i + 1;
        return out;
      }
    }
    this.pos = start;
    throw this.error('closing \'"\' of the string that starts here');
  }

  /** Names separated by commas or spaces up to the closing `;` (consumed). */
  nameList(what: string): string[] {
    const names: string[] = [];
    while (!this.accept(';')) {
      if (this.accept(',')) continue;
      names.push(this.ident(`${what} or ';'`));
    }
    return names;
  }

  /** `[min|max]` as SG_ and EV_ write a physical range. */
  range(): [number, number] {
    this.expect('[', "'[' before minimum|maximum");
    const min = this.number('minimum');
    this.expect('|', "'|' between minimum and maximum");
    const max = this.number('maximum');
    this.expect(']', "']' after the maximum");
    return [min, max];
  }

  /** Skips to just after the next `;` that is outside a string; stops at the end of the text. */
  skipPastSemicolon(): void {
    const t = this.text;
    let inString = false;
    for (let i = this.pos; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (inString) {
        if (c === CH_BACKSLASH) i++;
        else if (c === CH_QUOTE) inString = false;
      } else if (c === CH_QUOTE) inString = true;
      else if (c === 0x3b) {
        this.pos = i + 1;
        return;
      }
    }
    this.pos = t.length;
  }

  /** Skips the rest of the current line. */
  skipLine(): void {
    const nl = this.text.indexOf('\n', this.pos);
    this.pos = nl < 0 ? this.text.length : nl + 1;
  }

  /** 1-based line and column of a position (default: the cursor). */
  location(at = this.pos): SourceLocation {
    const starts = this.getLineStarts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.file, line: lo + 1, column: at - starts[lo]! + 1 };
  }

  /** A syntax error at the cursor (after whitespace), with the line excerpt marked `>>!<<`. */
  error(expected: string, at?: number): DbcSyntaxError {
    if (at === undefined) {
      this.skipSpace();
      at = this.pos;
    }
    const loc = this.location(at);
    const starts = this.getLineStarts();
    const lineStart = starts[loc.line - 1]!;
    let lineEnd = this.text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = this.text.length;
    const line = this.text.slice(lineStart, lineEnd).replace(/\r$/, '');
    const col = Math.min(loc.column - 1, line.length);
    const excerpt = (line.slice(0, col) + '>>!<<' + line.slice(col)).slice(0, 200);
    return new DbcSyntaxError(this.file, loc.line, loc.column, expected, excerpt);
  }

  private getLineStarts(): number[] {
    if (this.lineStarts) return this.lineStarts;
    const starts = [0];
    const t = this.text;
    for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) starts.push(i + 1);
    this.lineStarts = starts;
    return starts;
  }
}
