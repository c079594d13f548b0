/**
 * Errors of the DBC engine. Every error carries structured fields, never only a string.
 *
 * ```
 * DbcError                      base: `code` plus optional `file`, `line`, `column`
 * ├── DbcSyntaxError            the text does not follow the grammar (file:line:col, what was expected)
 * ├── DbcSemanticError          grammatical but inconsistent (signal outside its frame, unknown mux switch)
 * ├── FrameDecodeError          a frame cannot be decoded (unknown id, too short, bad hex)
 * └── FrameEncodeError          values cannot be encoded (missing signal, out of range, not a choice)
 * ```
 */

/** Where in a source file something was found. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** Base class of every error thrown by `dbc/`. */
export class DbcError extends Error {
  override name = 'DbcError';
  constructor(
    message: string,
    /** Stable machine-readable code, e.g. `DBC_SYNTAX`. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The DBC text breaks the grammar. The message marks the spot:
 * `bus.dbc:2:5: expected frame id: "BO_ >>!<<dssd"`.
 */
export class DbcSyntaxError extends DbcError {
  override name = 'DbcSyntaxError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    /** What the parser expected at that spot, e.g. `frame id`. */
    readonly expected: string,
    /** The source line with `>>!<<` inserted at the column. */
    readonly excerpt: string,
  ) {
    super(`${file}:${line}:${column}: expected ${expected}: "${excerpt}"`, 'DBC_SYNTAX');
  }
}

/** The DBC is grammatical but inconsistent in a way that would give wrong values. */
export class DbcSemanticError extends DbcError {
  override name = 'DbcSemanticError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${reason}`, 'DBC_SEMANTIC');
  }
}

/** A frame could not be decoded. `dataHex` holds the raw bytes as given. */
export class FrameDecodeError extends DbcError {
  override name = 'FrameDecodeError';
  constructor(
    message: string,
    code: 'UNKNOWN_ID' | 'BAD_INPUT',
    readonly id: number,
    readonly dataHex: string,
  ) {
    super(message, code);
  }
}

/** Values could not be encoded into a frame of message `messageName`. */
export class FrameEncodeError extends DbcError {
  override name = 'FrameEncodeError';
  constructor(
    message: string,
    code: 'MISSING_SIGNAL' | 'OUT_OF_RANGE' | 'UNKNOWN_CHOICE' | 'NOT_A_NUMBER',
    readonly messageName: string,
    readonly signalName: string,
  ) {
    super(message, code);
  }
}
