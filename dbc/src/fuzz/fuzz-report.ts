/**
 * What a DBC fuzz run found: counts per outcome, the error codes seen, and every bug or hang
 * with the input that caused it (so it can be replayed or written to disk).
 */

/**
 * - `ok`: the input loaded and every decode/encode returned a result.
 * - `typed`: a well-formed `DbcError` (the engine refused the input as documented).
 * - `bug`: anything else (TypeError, RangeError, a plain Error, a bad error location, a broken
 *   invariant such as a non-number decoded value).
 */
export type FuzzOutcome = 'ok' | 'typed' | 'bug';

/** The step an input was in when something went wrong. */
export type FuzzPhase = 'unknown' | 'parse' | 'compile' | 'decode' | 'encode';

/** One input that made the engine misbehave. */
export interface FuzzBug {
  /** `bug`: a non-typed throw or bad error location; `invariant`: a wrong result; `hang`, `crash`: found by the script's watchdog. */
  kind: 'bug' | 'invariant' | 'hang' | 'crash';
  seed: number;
  index: number;
  /** Corpus file the input was cut from. */
  source: string;
  /** Name the input was parsed under. */
  name: string;
  phase: FuzzPhase;
  /** Why this counts as a bug. */
  problem: string;
  errorName: string;
  message: string;
  stack: string;
  /** The mutated DBC bytes. */
  input: Uint8Array;
}

/** The outcome of one input. `code` is the error code (typed or `BUG:<name>`), null when ok. */
export interface FuzzResult {
  index: number;
  outcome: FuzzOutcome;
  code: string | null;
  /** Code plus a name-free reason, e.g. `DBC_SYNTAX: expected ';' to end the SG_MUL_VAL_`. */
  detail?: string;
  bug?: FuzzBug;
}

/** Totals of a run (or of the part run so far). */
export interface FuzzReport {
  seed: number;
  /** First input index of the run. */
  start: number;
  inputs: number;
  ok: number;
  typed: number;
  /** Bugs, hangs and worker crashes, in input order. */
  bugs: FuzzBug[];
  hangs: number;
  /** Inputs per error code (typed codes, and `BUG:<name>` for bugs). */
  codes: Record<string, number>;
  /** Inputs per error detail (see `FuzzResult.detail`). */
  details: Record<string, number>;
  /** Number of distinct error codes seen. */
  distinctCodes: number;
  elapsedMs: number;
}

/** An empty report. */
export function createReport(seed: number, start: number): FuzzReport {
  return { seed, start, inputs: 0, ok: 0, typed: 0, bugs: [], hangs: 0, codes: {}, details: {}, distinctCodes: 0, elapsedMs: 0 };
}

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}

/** Adds one input's result to the totals. */
export function addResult(report: FuzzReport, r: FuzzResult): void {
  report.inputs++;
  if (r.outcome === 'ok') report.ok++;
  else if (r.outcome === 'typed') report.typed++;
  if (r.bug) {
    report.bugs.push(r.bug);
    if (r.bug.kind === 'hang') report.hangs++;
  }
  if (r.code !== null) {
    count(report.codes, r.code);
    report.distinctCodes = Object.keys(report.codes).length;
  }
  if (r.detail !== undefined) count(report.details, r.detail);
}

/** The `n` most frequent keys of a count table, most frequent first. */
export function topEntries(table: Record<string, number>, n: number): [string, number][] {
  return Object.entries(table)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n);
}
