/**
 * Fuzzing of the SLCAN decoder (issue #3): seeded random byte streams, valid streams, and valid
 * streams with random damage, each fed in random chunks. Checked for every input:
 * - the decoder never throws (a typed `BridgeError` would be tolerated, anything else is a finding);
 * - every frame delivered is a frame the stream holds as one complete, valid line, as an
 *   independent plain reference parser reads it — no frame delivered that was not sent — and
 *   every such line is delivered (differential check);
 * - an undamaged stream delivers exactly the frames encoded into it, with no errors;
 * - errors are `ProtocolError`s with an offset inside the input; the result does not depend on
 *   how the stream was chunked.
 * Damage can turn one valid line into another valid line (SLCAN has no checksum); such frames
 * are counted separately, not as findings.
 */
import { BridgeError, ProtocolError } from '../errors.ts';
import type { OutgoingFrame } from '../link.ts';
import { BEL, CR, FD_LENGTHS, MAX_LINE_BYTES, SlcanDecoder, encodeFrame } from './slcan-codec.ts';

export interface FuzzOptions {
  seed: number;
  inputs: number;
  /** Called every `progressEvery` inputs. */
  onProgress?: (done: number, report: FuzzReport) => void;
  progressEvery?: number;
}

export interface FuzzFinding {
  /** Input number: `makeFuzzInput(seed, input)` rebuilds it. */
  input: number;
  kind: 'threw' | 'invented-frame' | 'lost-frame' | 'bad-error' | 'chunking' | 'slow';
  detail: string;
  bytesHex: string;
}

export interface FuzzReport {
  inputs: number;
  bytes: number;
  framesEncoded: number;
  framesDelivered: number;
  /** Delivered frames that damage made out of other lines (valid lines, just not the ones sent). */
  framesFromDamage: number;
  errorsReported: number;
  findings: FuzzFinding[];
  ms: number;
}

/** One input per mode in turn. */
const MODES = ['random', 'slcan-alphabet', 'valid', 'damaged'] as const;
/** Bytes that make random lines look like SLCAN. */
const ALPHABET = Buffer.from('tTrRdDbBzZVNF0123456789ABCDEFabcdef\r\r\r\x07\n', 'latin1');
/** An input slower than this is reported (a hang in the making). */
const SLOW_MS = 1000;

/** xorshift32, seeded: the same inputs on every machine. */
function rng(seed: number): () => number {
  let x = seed | 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** Rebuilds input `n` of a run: its bytes, the frames encoded into it, and whether it was damaged. */
export function makeFuzzInput(seed: number, n: number): { bytes: Uint8Array; sent: string[]; damaged: boolean; chunkSeed: number } {
  const r = rng((seed * 0x01000193) ^ (n * 0x9e3779b1));
  const mode = MODES[n % MODES.length]!;
  if (mode === 'random' || mode === 'slcan-alphabet') {
    const bytes = new Uint8Array(r() % 400);
    for (let i = 0; i < bytes.length; i++) bytes[i] = mode === 'random' ? r() & 0xff : ALPHABET[r() % ALPHABET.length]!;
    return { bytes, sent: [], damaged: true, chunkSeed: r() };
  }
  const parts: Buffer[] = [];
  const sent: string[] = [];
  for (let k = r() % 40; k > 0; k--) {
    const pick = r() % 10;
    if (pick === 0) parts.push(Buffer.from(['\r', '\x07', 'z\r', 'Z\r', 'V1013\r', 'N12AB\r'][r() % 6]!, 'latin1'));
    else {
      const { line, key } = randomFrameLine(r);
      parts.push(line);
      sent.push(key);
    }
  }
  let bytes: Uint8Array = Buffer.concat(parts);
  if (mode === 'damaged') bytes = damage(bytes, r);
  return { bytes, sent, damaged: mode === 'damaged', chunkSeed: r() };
}

function randomFrameLine(r: () => number): { line: Buffer; key: string } {
  const extended = r() % 2 === 0;
  const rtr = r() % 8 === 0;
  const fd = !rtr && r() % 3 === 0;
  const length = fd ? FD_LENGTHS[r() % 16]! : r() % 9;
  const frame: OutgoingFrame = { id: r() % (extended ? 0x20000000 : 0x800), extended, rtr, fd, brs: fd && r() % 2 === 0, data: Uint8Array.from({ length }, () => r() & 0xff) };
  let line = encodeFrame(frame, 'fuzz');
  let ms = -1;
  if (r() % 3 === 0) {
    ms = r() % 60000;
    line = Buffer.concat([line.subarray(0, -1), Buffer.from(ms.toString(16).padStart(4, '0').toUpperCase() + '\r', 'latin1')]);
  }
  const data = rtr ? new Uint8Array(0) : frame.data;
  return { line, key: frameKey(extended, frame.id, fd, frame.brs === true, rtr, data, ms) };
}

/** Random damage: flipped bits, replaced, inserted, deleted or repeated bytes, stray CR/BEL/LF, truncation. */
function damage(input: Uint8Array, r: () => number): Uint8Array {
  let b = Array.from(input);
  for (let k = 1 + (r() % 6); k > 0; k--) {
    const at = b.length === 0 ? 0 : r() % b.length;
    switch (r() % 7) {
      case 0: if (b.length) b[at] = b[at]! ^ (1 << r() % 8); break;
      case 1: if (b.length) b[at] = r() & 0xff; break;
      case 2: b.splice(at, 0, ...Array.from({ length: 1 + (r() % 8) }, () => r() & 0xff)); break;
      case 3: b.splice(at, 1 + (r() % 12)); break;
      case 4: b.splice(at, 0, ...b.slice(at, at + 1 + (r() % 40))); break;
      case 5: b.splice(at, 0, [CR, BEL, 0x0a][r() % 3]!); break;
      default: b = b.slice(0, at);
    }
  }
  return Uint8Array.from(b);
}

function frameKey(ext: boolean, id: number, fd: boolean, brs: boolean, rtr: boolean, data: Uint8Array, ms: number): string {
  return `${ext ? 'X' : 'S'}${id.toString(16)} fd${+fd} brs${+brs} rtr${+rtr} ${Buffer.from(data).toString('hex')} @${ms}`;
}

/** The reference: plain string parsing of every complete line, written apart from the decoder. */
export function referenceFrames(bytes: Uint8Array): string[] {
  const text = Buffer.from(bytes).toString('latin1');
  const out: string[] = [];
  // A line ends in CR. Bytes before a BEL are a damaged line; bytes after the last CR are unfinished.
  for (const [, raw, end] of text.matchAll(/([^\r\x07]*)([\r\x07])/g)) {
    if (end !== '\r' || raw!.length > MAX_LINE_BYTES) continue;
    const line = raw.replace(/^\n+/, '');
    const m = /^([tTrRdDbB])([0-9A-Fa-f]+)$/.exec(line);
    if (!m) continue;
    const letter = m[1]!;
    const ext = letter === letter.toUpperCase();
    const fd = 'dDbB'.includes(letter);
    const rtr = 'rR'.includes(letter);
    const digits = m[2]!;
    const idLen = ext ? 8 : 3;
    if (digits.length < idLen + 1) continue;
    const id = parseInt(digits.slice(0, idLen), 16);
    const code = parseInt(digits[idLen]!, 16);
    if (id > (ext ? 0x1fffffff : 0x7ff) || (!fd && code > 8)) continue;
    const n = rtr ? 0 : (fd ? FD_LENGTHS[code]! : code) * 2;
    const rest = digits.slice(idLen + 1);
    if (rest.length !== n && rest.length !== n + 4) continue;
    const ms = rest.length === n ? -1 : parseInt(rest.slice(n), 16);
    out.push(frameKey(ext, id, fd, 'bB'.includes(letter), rtr, Buffer.from(rest.slice(0, n), 'hex'), ms));
  }
  return out;
}

/** Decodes `bytes` in chunks cut by `cuts` (a seed; 0 = one chunk). */
function decode(bytes: Uint8Array, cuts: number): { frames: string[]; errors: ProtocolError[]; typedThrows: number } {
  const frames: string[] = [];
  const errors: ProtocolError[] = [];
  const dec = new SlcanDecoder('fuzz', 'fuzz', {
    frame: (f, ms) => frames.push(frameKey(f.extended, f.id, f.fd, f.brs, f.rtr, f.data, ms)),
    ack: () => undefined,
    reply: () => undefined,
    error: (e) => errors.push(e),
  });
  const r = rng(cuts);
  let typedThrows = 0;
  let at = 0;
  do {
    const size = cuts === 0 ? bytes.length : 1 + (r() % 64);
    try {
      dec.push(bytes.subarray(at, at + size), 1);
    } catch (err) {
      if (!(err instanceof BridgeError)) throw err;
      typedThrows++;
    }
    at += size;
  } while (at < bytes.length);
  return { frames, errors, typedThrows };
}

/** Runs the fuzzer; findings are collected, never thrown. */
export function runSlcanFuzz(options: FuzzOptions): FuzzReport {
  const report: FuzzReport = { inputs: 0, bytes: 0, framesEncoded: 0, framesDelivered: 0, framesFromDamage: 0, errorsReported: 0, findings: [], ms: 0 };
  const t0 = performance.now();
  for (let n = 0; n < options.inputs; n++) {
    const input = makeFuzzInput(options.seed, n);
    const started = performance.now();
    const find = (kind: FuzzFinding['kind'], detail: string): void => {
      report.findings.push({ input: n, kind, detail, bytesHex: Buffer.from(input.bytes).toString('hex') });
    };
    let whole: ReturnType<typeof decode>;
    let chunked: ReturnType<typeof decode>;
    try {
      whole = decode(input.bytes, 0);
      chunked = decode(input.bytes, input.chunkSeed || 1);
    } catch (err) {
      find('threw', (err as Error).stack ?? String(err));
      continue;
    }
    checkInput(input, whole, chunked, find, report);
    if (performance.now() - started > SLOW_MS) find('slow', `${(performance.now() - started).toFixed(0)} ms for ${input.bytes.length} bytes`);
    report.inputs++;
    report.bytes += input.bytes.length;
    if (options.onProgress && (n + 1) % (options.progressEvery ?? 10_000) === 0) options.onProgress(n + 1, report);
  }
  report.ms = performance.now() - t0;
  return report;
}

function checkInput(
  input: ReturnType<typeof makeFuzzInput>,
  whole: ReturnType<typeof decode>,
  chunked: ReturnType<typeof decode>,
  find: (kind: FuzzFinding['kind'], detail: string) => void,
  report: FuzzReport,
): void {
  const expected = referenceFrames(input.bytes);
  const got = whole.frames;
  report.framesEncoded += input.sent.length;
  report.framesDelivered += got.length;
  report.errorsReported += whole.errors.length;
  const sent = new Set(input.sent);
  report.framesFromDamage += got.filter((k) => !sent.has(k)).length;
  const refSet = new Set(expected);
  const invented = got.filter((k) => !refSet.has(k));
  if (invented.length > 0) find('invented-frame', `delivered ${invented[0]} which no complete line holds`);
  if (got.join('|') !== expected.join('|') && invented.length === 0) find('lost-frame', `delivered ${got.length} frames, the stream holds ${expected.length}`);
  if (!input.damaged && (got.join('|') !== input.sent.join('|') || whole.errors.length > 0)) {
    find('lost-frame', `undamaged stream: ${got.length} of ${input.sent.length} frames, ${whole.errors.length} errors${whole.errors[0] ? `: ${whole.errors[0].message}` : ''}`);
  }
  const badError = whole.errors.find((e) => !(e instanceof ProtocolError) || e.offset < 0 || e.offset >= Math.max(input.bytes.length, 1));
  if (badError) find('bad-error', `${badError.message} (offset ${badError.offset} of ${input.bytes.length})`);
  const sig = (d: ReturnType<typeof decode>): string => `${d.frames.join('|')}#${d.errors.map((e) => `${e.offset}:${e.reason}`).join('|')}`;
  if (sig(whole) !== sig(chunked)) find('chunking', 'whole and chunked decoding differ');
}
