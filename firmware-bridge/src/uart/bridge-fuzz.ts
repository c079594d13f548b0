/**
 * Fuzzing of the UART bridge's receive path (issue #3): the COBS/CRC packet decoder, the payload
 * readers, CAN_BATCH checking and frame accounting, run exactly as the host link runs them, on
 * the inputs of bridge-fuzz-inputs.ts, whole and in random chunks. Findings:
 *
 * - `threw`         any exception out of the receive path;
 * - `bad-accept`    a packet handed on that an independent check (bit-by-bit CRC, length,
 *                   version) says must have been rejected;
 * - `invented-frame` a delivered frame that is not in the stream, from a packet that was sent
 *                   intact (so not explained by damage), or a batch read differently from an
 *                   independent reference parse;
 * - `repeated-frame` a frame delivered more often than it was sent;
 * - `lost-frame`    an undamaged stream that did not deliver exactly its frames, or had errors;
 * - `chunking`      a result that depends on how the bytes were split;
 * - `slow`          one input taking over a second (a hang in the making);
 * - `hang`          reported by the CLI's watchdog (scripts/fuzz-bridge.ts), which runs inputs
 *                   in a worker thread.
 *
 * A damaged packet can pass CRC-16 by chance (about 1 in 65 536 damaged packets). Such packets
 * are independently valid, just not the ones sent; they and their frames are counted as
 * `crcEscapes`/`framesFromEscapes`, not as findings (see UART-BRIDGE-PROTOCOL.md §14).
 */
import type { CanFrame } from '../../../dbc/index.ts';
import { BatchDelivery } from './batch-delivery.ts';
import { hexOf, PacketDecoder, type PacketView } from './bridge-codec.ts';
import { frameKey, makeBridgeFuzzInput, type BridgeFuzzInput, type FuzzMode } from './bridge-fuzz-inputs.ts';
import { frameProblem, readHelloAck, readMcuError, readMcuHeartbeat, readMcuStats, readResult, u32At } from './bridge-payloads.ts';
import { FLAG_BRS, FLAG_ERR, FLAG_ESI, FLAG_EXT, FLAG_FD, FLAG_RTR, isVersionNeutral, PacketType, PROTOCOL_MAJOR } from './bridge-protocol.ts';
import { crc16Reference } from './crc16.ts';
import { SeqTracker } from './seq-tracker.ts';

export { makeBridgeFuzzInput } from './bridge-fuzz-inputs.ts';

export interface BridgeFuzzFinding {
  /** Input number: `makeBridgeFuzzInput(seed, input)` rebuilds it. */
  input: number;
  mode: FuzzMode;
  kind: 'threw' | 'bad-accept' | 'invented-frame' | 'repeated-frame' | 'lost-frame' | 'chunking' | 'slow' | 'hang';
  detail: string;
  bytesHex: string;
}

export interface BridgeFuzzReport {
  inputs: number;
  bytes: number;
  framesEncoded: number;
  framesDelivered: number;
  /** Frames discarded with their packets (decoder errors and malformed payloads), as packets. */
  packetsDiscarded: number;
  packetsAccepted: number;
  /** Damaged packets that passed every check by chance (CRC-16 collisions). */
  crcEscapes: number;
  framesFromEscapes: number;
  findings: BridgeFuzzFinding[];
  ms: number;
}

export interface BridgeFuzzOptions {
  seed: number;
  count: number;
  /** First input index (to resume or shard). */
  start?: number;
  progressEvery?: number;
  onProgress?: (done: number, report: BridgeFuzzReport) => void;
  /** Called before each input (the CLI's watchdog records the index). */
  onInput?: (index: number) => void;
}

/** An input slower than this is a finding. */
const SLOW_MS = 1000;

/** What one pass over an input produced. */
interface Pass {
  delivered: string[];
  discarded: number;
  accepted: number;
  escapes: number;
  framesFromEscapes: number;
  problems: { kind: BridgeFuzzFinding['kind']; detail: string }[];
}

/** Runs the link's receive path over `bytes` in chunks of `chunk` bytes (0 = whole). */
function pass(input: BridgeFuzzInput, chunk: number): Pass {
  const out: Pass = { delivered: [], discarded: 0, accepted: 0, escapes: 0, framesFromEscapes: 0, problems: [] };
  let escaped = false;
  const seq = new SeqTracker();
  seq.reset(1);
  const frames = new BatchDelivery('fuzz', 0, (f: CanFrame) => {
    out.delivered.push(frameKey(f.id, flagsOfFrame(f), f.data));
    if (escaped) out.framesFromEscapes++;
  });
  frames.restart(0, 0);
  const decoder = new PacketDecoder((p) => {
    out.accepted++;
    escaped = false;
    const n = 8 + p.payloadLength;
    const raw = p.buf.subarray(0, n);
    const bad = independentCheck(raw);
    if (bad) return void out.problems.push({ kind: 'bad-accept', detail: `packet ${hexOf(raw, 0, Math.min(n, 40))}: ${bad}` });
    escaped = input.mode !== 'random-crc' && !input.sentPackets.has(hexOf(raw));
    if (escaped) out.escapes++;
    if (p.type === PacketType.HELLO_ACK) return void readHelloAck(p.buf, p.payloadOffset, p.payloadLength);
    if (!seq.accept(p.seq)) return;
    if (p.type === PacketType.CAN_BATCH) return batch(p);
    const reader = { [PacketType.HEARTBEAT]: readMcuHeartbeat, [PacketType.RESULT]: readResult, [PacketType.ERROR]: readMcuError, [PacketType.STATS]: readMcuStats }[p.type];
    const v = reader?.(p.buf, p.payloadOffset, p.payloadLength);
    if (typeof v === 'string') out.discarded++;
    else if (v && p.type === PacketType.HEARTBEAT && 'nextFrameSeq' in v) frames.heartbeat(v.mcuTimeUs, v.nextFrameSeq, 0);
  });
  const batch = (p: PacketView): void => {
    const before = out.delivered.length;
    const reference = referenceBatch(p.buf, p.payloadOffset, p.payloadLength);
    const problem = frames.batch(p);
    if (problem) out.discarded++;
    if ((problem === null) !== (reference !== null)) {
      out.problems.push({ kind: 'invented-frame', detail: `batch ${problem ? `rejected (${problem})` : 'accepted'} but the reference parse says ${reference ? 'valid' : 'invalid'}` });
    } else if (reference) {
      const got = out.delivered.slice(before);
      const want = reference.filter((r) => r.channel === 0).map((r) => r.key);
      if (got.join() !== want.slice(want.length - got.length).join()) out.problems.push({ kind: 'invented-frame', detail: `batch delivered ${got.length} frames that are not its last records by the reference parse` });
    }
  };
  const bytes = input.bytes;
  for (let i = 0; i < bytes.length; i += chunk || bytes.length) decoder.push(bytes.subarray(i, i + (chunk || bytes.length)));
  const c = decoder.counts;
  out.discarded += c.cobsErrors + c.overlongErrors + c.shortErrors + c.crcErrors + c.lengthErrors + c.versionErrors;
  return out;
}

/** The spec's acceptance rules (§3) checked again without the decoder's code: bit-by-bit CRC. */
function independentCheck(raw: Uint8Array): string | null {
  const n = raw.length;
  const carried = raw[n - 2]! | (raw[n - 1]! << 8);
  if (crc16Reference(raw.subarray(0, n - 2)) !== carried) return 'CRC does not match';
  if ((raw[4]! | (raw[5]! << 8)) !== n - 8) return 'length field does not match';
  if (raw[0] !== PROTOCOL_MAJOR && !isVersionNeutral(raw[1]!)) return `version ${raw[0]}`;
  return null;
}

/** CAN_BATCH parsed straight from §4.4/§4.5, independent of BatchReader; null when invalid. */
function referenceBatch(b: Uint8Array, off: number, len: number): { channel: number; key: string }[] | null {
  if (len < 5 || b[off + 4] === 0) return null;
  const out: { channel: number; key: string }[] = [];
  let p = off + 5;
  for (let k = 0; k < b[off + 4]!; k++) {
    if (p + 11 > off + len) return null;
    const id = u32At(b, p + 4);
    const n = b[p + 10]!;
    if (frameProblem(id, b[p + 9]!, n) !== null || p + 11 + n > off + len) return null;
    out.push({ channel: b[p + 8]!, key: frameKey(id, b[p + 9]!, b, p + 11, p + 11 + n) });
    p += 11 + n;
  }
  return p === off + len ? out : null;
}

function flagsOfFrame(f: CanFrame): number {
  return (f.extended ? FLAG_EXT : 0) | (f.fd ? FLAG_FD : 0) | (f.brs ? FLAG_BRS : 0) | (f.esi ? FLAG_ESI : 0) | (f.rtr ? FLAG_RTR : 0) | (f.error ? FLAG_ERR : 0);
}

/** Runs one input (whole and chunked) and adds its outcome to `report`. */
export function runBridgeFuzzInput(input: BridgeFuzzInput, report: BridgeFuzzReport, chunkSeed: number): void {
  const t0 = performance.now();
  const finding = (kind: BridgeFuzzFinding['kind'], detail: string): void => void report.findings.push({ input: input.index, mode: input.mode, kind, detail, bytesHex: hexOf(input.bytes, 0, Math.min(input.bytes.length, 2048)) });
  let whole: Pass;
  let chunked: Pass;
  try {
    whole = pass(input, 0);
    chunked = pass(input, 1 + (chunkSeed % 64));
  } catch (err) {
    return finding('threw', (err as Error).stack ?? String(err));
  }
  report.inputs++;
  report.bytes += input.bytes.length;
  for (const n of input.sentFrames.values()) report.framesEncoded += n;
  report.framesDelivered += whole.delivered.length;
  report.packetsDiscarded += whole.discarded;
  report.packetsAccepted += whole.accepted;
  report.crcEscapes += whole.escapes;
  report.framesFromEscapes += whole.framesFromEscapes;
  for (const p of whole.problems) finding(p.kind, p.detail);
  if (whole.delivered.join() !== chunked.delivered.join() || whole.discarded !== chunked.discarded) finding('chunking', `whole: ${whole.delivered.length} frames, ${whole.discarded} discarded; chunked: ${chunked.delivered.length}, ${chunked.discarded}`);
  if (input.mode === 'valid' || input.mode === 'damaged') checkAgainstSent(input, whole, finding);
  if (performance.now() - t0 > SLOW_MS) finding('slow', `took ${Math.round(performance.now() - t0)} ms`);
}

function checkAgainstSent(input: BridgeFuzzInput, r: Pass, finding: (k: BridgeFuzzFinding['kind'], d: string) => void): void {
  const left = new Map(input.sentFrames);
  let invented = 0;
  let repeated = 0;
  for (const key of r.delivered) {
    const n = left.get(key);
    if (n === undefined) invented++;
    else if (n === 0) repeated++;
    else left.set(key, n - 1);
  }
  // Frames out of a damaged packet that passed CRC-16 by chance explain as many surprises.
  if (invented + repeated > r.framesFromEscapes) {
    finding(invented > 0 ? 'invented-frame' : 'repeated-frame', `${invented} delivered frame(s) not in the stream, ${repeated} delivered too often, only ${r.framesFromEscapes} from CRC escapes (damage: ${input.mutations.join(' ') || 'none'})`);
  }
  if (input.mode === 'valid') {
    const encoded = [...input.sentFrames.values()].reduce((a, b) => a + b, 0);
    if (r.delivered.length !== encoded || r.discarded !== 0) finding('lost-frame', `undamaged stream: ${encoded} frames encoded, ${r.delivered.length} delivered, ${r.discarded} discarded`);
  }
}

/** Runs `count` inputs of `seed` from `start`. Never throws; findings are in the report. */
export function runBridgeFuzz(opts: BridgeFuzzOptions): BridgeFuzzReport {
  const report: BridgeFuzzReport = { inputs: 0, bytes: 0, framesEncoded: 0, framesDelivered: 0, packetsDiscarded: 0, packetsAccepted: 0, crcEscapes: 0, framesFromEscapes: 0, findings: [], ms: 0 };
  const t0 = performance.now();
  const start = opts.start ?? 0;
  for (let i = start; i < start + opts.count; i++) {
    opts.onInput?.(i);
    runBridgeFuzzInput(makeBridgeFuzzInput(opts.seed, i), report, i * 2654435761);
    if (opts.onProgress && opts.progressEvery && (i - start + 1) % opts.progressEvery === 0) opts.onProgress(i - start + 1, report);
  }
  report.ms = performance.now() - t0;
  return report;
}
