import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DbcError } from '../errors.ts';
import type { Rng } from './fuzz-rng.ts';

/**
 * The seed material of the DBC fuzzer: real DBC files, split into lines once so that each
 * input can cheaply cut a window out of one (header + a region of BO_ blocks + the CM_/BA_/
 * VAL_ lines about those messages) instead of mutating a whole multi-hundred-KB file.
 *
 * Text is held as Latin-1 (one char per byte), so windows and token edits keep the file's
 * bytes exactly, whatever its encoding (UTF-8 or Windows-1252).
 */
export interface CorpusFile {
  /** File name without directory, e.g. `vw_mqb.dbc`. */
  name: string;
  bytes: Uint8Array;
  /** The bytes as Latin-1 text, split at `\n` (a `\r` stays on its line). */
  lines: string[];
  /** Index of every line that starts a `BO_`. */
  messageLines: number[];
  /** Lines before the first `BO_` (VERSION, NS_, BS_, BU_, VAL_TABLE_), capped. */
  headerEnd: number;
  /** Single-line BA_DEF_ / BA_DEF_DEF_ lines, capped. */
  definitionLines: number[];
  /** Single-line statements that refer to a message (CM_, BA_, VAL_, ...), by raw BO_ id. */
  linesByRawId: Map<string, number[]>;
}

/** Most header lines a window copies (NS_ alone is ~30 lines in Vector's files). */
const MAX_HEADER_LINES = 120;
/** Most BA_DEF_/BA_DEF_DEF_ lines a window copies. */
const MAX_DEFINITION_LINES = 40;
/** Most per-message statements (CM_, BA_, VAL_ ...) a window copies. */
const MAX_TAIL_LINES = 150;
/** Region of BO_ blocks a window takes, in lines. */
const MIN_REGION_LINES = 20;
const MAX_REGION_LINES = 400;
/** Files up to this size are sometimes fuzzed whole. */
const WHOLE_FILE_MAX_BYTES = 40_000;
/** Share of inputs that use a whole small file instead of a window. */
const WHOLE_FILE_SHARE = 0.15;

/** A statement line that names a message by raw id; group 1 is the id. */
const REFERS_TO_MESSAGE =
  /^(?:CM_ (?:SG_|BO_) |BA_ "[^"]*" (?:SG_|BO_) |VAL_ |SIG_VALTYPE_ |SG_MUL_VAL_ |BO_TX_BU_ |SIG_GROUP_ )(\d+)\b/;

/** Directories of the real DBC files beside the repository (`../shared/data/dbc/*`). */
export function defaultCorpusDirs(): string[] {
  const base = new URL('../../../../shared/data/dbc/', import.meta.url);
  return ['opendbc/', 'cantools/'].map((d) => fileURLToPath(new URL(d, base)));
}

/** Prepares one file's bytes for windowing. */
export function corpusFileFrom(name: string, bytes: Uint8Array): CorpusFile {
  const lines = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1').split('\n');
  const messageLines: number[] = [];
  const definitionLines: number[] = [];
  const linesByRawId = new Map<string, number[]>();
  lines.forEach((line, i) => {
    if (line.startsWith('BO_ ')) messageLines.push(i);
    const single = line.trimEnd().endsWith(';');
    if (single && /^BA_DEF_(?:DEF_)? /.test(line) && definitionLines.length < MAX_DEFINITION_LINES) definitionLines.push(i);
    const ref = single ? REFERS_TO_MESSAGE.exec(line) : null;
    if (ref) {
      const list = linesByRawId.get(ref[1]!) ?? [];
      list.push(i);
      linesByRawId.set(ref[1]!, list);
    }
  });
  const headerEnd = Math.min(messageLines[0] ?? lines.length, MAX_HEADER_LINES);
  return { name, bytes, lines, messageLines, headerEnd, definitionLines, linesByRawId };
}

/**
 * Reads every `.dbc` file of the given directories, sorted by directory then name, so a seed
 * means the same inputs on every machine with the same files.
 *
 * @throws DbcError `FUZZ_CORPUS` when a directory cannot be read or holds no `.dbc` file.
 */
export function loadDbcCorpus(dirs: readonly string[] = defaultCorpusDirs()): CorpusFile[] {
  const files: CorpusFile[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((f) => f.endsWith('.dbc')).sort();
    } catch (err) {
      throw new DbcError(`${dir}: cannot read the fuzz corpus: ${(err as Error).message}`, 'FUZZ_CORPUS', { cause: err });
    }
    for (const name of names) files.push(corpusFileFrom(name, readFileSync(`${dir.replace(/\/?$/, '/')}${name}`)));
  }
  if (files.length === 0) throw new DbcError(`no .dbc file in ${dirs.join(', ')}`, 'FUZZ_CORPUS');
  return files;
}

/**
 * The text an input starts from (Latin-1): usually a window of the file, sometimes the whole
 * of a small file.
 *
 * ```
 *   lines 0 .. headerEnd            VERSION, NS_, BS_, BU_
 *   lines b .. b+region             BO_ blocks from a random BO_ on
 *   BA_DEF_ / BA_DEF_DEF_ lines     so BA_ values have definitions
 *   CM_/BA_/VAL_/... lines          about the messages of the region
 * ```
 */
export function pickWindow(file: CorpusFile, rng: Rng): string {
  if (file.bytes.length <= WHOLE_FILE_MAX_BYTES && rng.chance(WHOLE_FILE_SHARE)) return file.lines.join('\n');
  const out = file.lines.slice(0, file.headerEnd);
  if (file.messageLines.length === 0) return file.lines.slice(0, MAX_REGION_LINES).join('\n');
  const from = rng.pick(file.messageLines);
  const region = file.lines.slice(from, from + rng.between(MIN_REGION_LINES, MAX_REGION_LINES));
  out.push(...region);
  for (const i of file.definitionLines) out.push(file.lines[i]!);
  let tail = 0;
  for (const line of region) {
    const id = /^BO_ (\d+)/.exec(line)?.[1];
    for (const i of (id === undefined ? undefined : file.linesByRawId.get(id)) ?? []) {
      if (tail++ >= MAX_TAIL_LINES) break;
      out.push(file.lines[i]!);
    }
  }
  return out.join('\n');
}
