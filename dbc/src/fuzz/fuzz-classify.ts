import { DbcError, DbcSemanticError, DbcSyntaxError } from '../errors.ts';
import type { FuzzOutcome } from './fuzz-report.ts';

/**
 * How the fuzzer judges what an input did: a well-formed `DbcError` is `typed`; anything else
 * thrown (TypeError, RangeError, a SyntaxError from generated code, a plain Error, a
 * `FuzzInvariantError` from the harness's own checks) or a typed error whose location is
 * wrong is a `bug`.
 */

/** The input as far as classification needs it. */
export interface NamedBytes {
  /** Name the input was parsed under, expected in error messages. */
  name: string;
  bytes: Uint8Array;
}

/** An expectation of the harness that the engine broke (not a `DbcError`, so it is a bug). */
export class FuzzInvariantError extends Error {
  override name = 'FuzzInvariantError';
  readonly code = 'FUZZ_INVARIANT';
}

function isPositiveInteger(x: unknown): boolean {
  return typeof x === 'number' && Number.isInteger(x) && x > 0;
}

function lineCount(bytes: Uint8Array): number {
  let lines = 1;
  for (const b of bytes) if (b === 0x0a) lines++;
  return lines;
}

/** Why a located error's location is wrong, or null when it is fine. */
function locationProblem(err: DbcSyntaxError | DbcSemanticError, input: NamedBytes): string | null {
  if (!isPositiveInteger(err.line) || !isPositiveInteger(err.column)) return `line ${err.line} / column ${err.column} is not a positive integer`;
  if (err.file !== input.name) return `file is ${JSON.stringify(err.file)}, not ${JSON.stringify(input.name)}`;
  if (!err.message.startsWith(`${err.file}:${err.line}:${err.column}:`)) return 'message does not start with <file>:<line>:<column>:';
  if (err.line > lineCount(input.bytes)) return `line ${err.line} is past the end of the input`;
  return null;
}

/** How an error thrown for an input counts: `typed` (a well-formed `DbcError`) or `bug`. */
export function classifyError(err: unknown, input: NamedBytes): { outcome: Exclude<FuzzOutcome, 'ok'>; code: string; problem: string | null } {
  if (err instanceof FuzzInvariantError) return { outcome: 'bug', code: 'BUG:INVARIANT', problem: `invariant broken: ${err.message}` };
  if (!(err instanceof DbcError)) {
    const name = err instanceof Error ? err.name : typeof err;
    return { outcome: 'bug', code: `BUG:${name}`, problem: `threw ${name}, not a DbcError` };
  }
  if (typeof err.code !== 'string' || err.code === '') return { outcome: 'bug', code: 'BUG:NO_CODE', problem: `${err.name} without a code` };
  if (err instanceof DbcSyntaxError || err instanceof DbcSemanticError) {
    const problem = locationProblem(err, input);
    if (problem !== null) return { outcome: 'bug', code: 'BUG:BAD_LOCATION', problem: `${err.name}: ${problem}` };
  }
  return { outcome: 'typed', code: err.code, problem: null };
}

/** A short, name-free description of a typed error, for "top reasons" summaries. */
export function detailOf(err: DbcError): string {
  if (err instanceof DbcSyntaxError) return `${err.code}: expected ${err.expected.replace(/\d+/g, 'N')}`;
  // Frame errors start with `Message.signal: `; drop that so one reason counts once.
  const what = err instanceof DbcSemanticError ? err.reason : err.message.replace(/^[\w.]+: /, '');
  const generic = what.replace(/\b(signal|message|switch|uses|names|of|as|through|for) [^\s,()]+/g, '$1 *').replace(/\d+/g, 'N');
  return `${err.code}: ${generic}`;
}
