/**
 * Errors of the simulator and trace tools.
 *
 * ```
 * SimError                base: `code`
 * └── TraceFormatError    a trace line/record is malformed (file:line, or byte offset for binary formats)
 * ```
 */
export class SimError extends Error {
  override name = 'SimError';
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A malformed trace record. The message starts with `file:line:` (text) or `file@offset:` (binary). */
export class TraceFormatError extends SimError {
  override name = 'TraceFormatError';
  constructor(
    readonly file: string,
    /** 1-based line for text formats, null for binary ones. */
    readonly line: number | null,
    /** Byte offset for binary formats, null for text ones. */
    readonly offset: number | null,
    readonly reason: string,
    /** The offending text, shortened. */
    readonly text: string,
  ) {
    super(`${file}${line !== null ? `:${line}` : `@${offset}`}: ${reason}${text ? `: "${text.slice(0, 120)}"` : ''}`, 'TRACE_FORMAT');
  }
}
