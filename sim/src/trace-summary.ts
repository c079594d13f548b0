/**
 * What a trace holds, in one streaming pass: frames, time span, ids with their rates, and an
 * estimate of each bus's load (`headunit trace info`).
 */
import type { CanFrame } from '../../dbc/index.ts';
import type { BatchTraceReader } from './readers/reader-base.ts';
import type { TraceFormat } from './trace.ts';

/** Bit rates the load estimate assumes. */
export interface BusRates {
  /** Nominal (arbitration) bit rate, bit/s (default 500 000). */
  bitrate?: number;
  /** CAN FD data-phase bit rate for frames with BRS, bit/s (default 2 000 000). */
  dataBitrate?: number;
}

/** One id on one bus. */
export interface IdSummary {
  bus: string;
  id: number;
  extended: boolean;
  frames: number;
  /** Smallest and largest payload length seen (bytes). */
  minLength: number;
  maxLength: number;
  fd: boolean;
  /** Timestamps of its first and last frame (µs). */
  firstUs: number;
  lastUs: number;
}

/** One bus of the trace. */
export interface BusSummary {
  bus: string;
  frames: number;
  /** Seconds the bus was busy with these frames, at the assumed bit rates (worst-case stuffing). */
  busySeconds: number;
}

/** The result of `summarizeTrace`. */
export interface TraceSummary {
  file: string;
  format: TraceFormat;
  frames: number;
  malformed: number;
  /** Valid records that are not frames (comments, events, statistics). */
  ignored: number;
  errorFrames: number;
  remoteFrames: number;
  fdFrames: number;
  /** Earliest and latest frame timestamps (µs), null without frames. */
  firstUs: number | null;
  lastUs: number | null;
  buses: BusSummary[];
  /** Sorted by bus, then extended after standard, then id. */
  ids: IdSummary[];
}

/** Nominal bits of a classic frame without data: SOF..IFS, 11-bit / 29-bit id. */
const CLASSIC_OVERHEAD_BITS = { standard: 47, extended: 67 };
/** Bits of the stuffed region without data (SOF..CRC), for the worst-case stuff-bit count. */
const CLASSIC_STUFFED_BITS = { standard: 34, extended: 54 };
/** CAN FD bits sent at the nominal rate (arbitration, ACK, EOF, IFS), 11-bit / 29-bit id. */
const FD_NOMINAL_BITS = { standard: 30, extended: 49 };
/** CAN FD data-phase bits without data: ESI, DLC, stuff count, CRC-17 (CRC-21 above 16 bytes) and its fixed stuff bits. */
const FD_DATA_OVERHEAD_BITS = { short: 28, long: 33 };

/**
 * Seconds a frame occupies the bus: classic frames with worst-case bit stuffing (one stuff bit
 * per four bits of the stuffed region); CAN FD with the data phase at `dataBitrate` when BRS
 * is set, and a quarter more for stuffing in it.
 */
export function frameSeconds(f: CanFrame, bitrate: number, dataBitrate: number): number {
  const kind = f.extended ? 'extended' : 'standard';
  const dataBits = f.rtr ? 0 : f.data.length * 8;
  if (!f.fd) {
    const stuff = Math.floor((CLASSIC_STUFFED_BITS[kind] + dataBits - 1) / 4);
    return (CLASSIC_OVERHEAD_BITS[kind] + dataBits + stuff) / bitrate;
  }
  const phase = dataBits + (f.data.length > 16 ? FD_DATA_OVERHEAD_BITS.long : FD_DATA_OVERHEAD_BITS.short);
  return FD_NOMINAL_BITS[kind] / bitrate + (phase * 1.25) / (f.brs ? dataBitrate : bitrate);
}

/** Key of an id on a bus. */
const idKey = (f: CanFrame): string => `${f.bus}\u0000${f.extended ? 'x' : 's'}${f.id}`;

function compareIds(a: IdSummary, b: IdSummary): number {
  if (a.bus !== b.bus) return a.bus < b.bus ? -1 : 1;
  if (a.extended !== b.extended) return a.extended ? 1 : -1;
  return a.id - b.id;
}

/**
 * Reads the whole trace once (streaming, memory grows only with the number of distinct ids)
 * and summarises it. `onBatch` is called after each chunk, for progress.
 * @throws TraceFormatError from the reader (unless it skips malformed records).
 */
export async function summarizeTrace(reader: BatchTraceReader, rates: BusRates = {}, onBatch?: () => void): Promise<TraceSummary> {
  const bitrate = rates.bitrate ?? 500_000;
  const dataBitrate = rates.dataBitrate ?? 2_000_000;
  const ids = new Map<string, IdSummary>();
  const buses = new Map<string, BusSummary>();
  const s: TraceSummary = { file: reader.file, format: reader.format, frames: 0, malformed: 0, ignored: 0, errorFrames: 0, remoteFrames: 0, fdFrames: 0, firstUs: null, lastUs: null, buses: [], ids: [] };
  let first = Infinity;
  let last = -Infinity;
  for await (const batch of reader.batches()) {
    for (const f of batch) {
      if (f.timestampUs < first) first = f.timestampUs;
      if (f.timestampUs > last) last = f.timestampUs;
      let bus = buses.get(f.bus);
      if (!bus) buses.set(f.bus, (bus = { bus: f.bus, frames: 0, busySeconds: 0 }));
      bus.frames++;
      bus.busySeconds += frameSeconds(f, bitrate, dataBitrate);
      if (f.error) {
        s.errorFrames++;
        continue;
      }
      if (f.rtr) s.remoteFrames++;
      if (f.fd) s.fdFrames++;
      const key = idKey(f);
      const entry = ids.get(key);
      if (entry) {
        entry.frames++;
        if (f.data.length < entry.minLength) entry.minLength = f.data.length;
        if (f.data.length > entry.maxLength) entry.maxLength = f.data.length;
        entry.fd ||= f.fd;
        entry.lastUs = f.timestampUs;
      } else {
        ids.set(key, { bus: f.bus, id: f.id, extended: f.extended, frames: 1, minLength: f.data.length, maxLength: f.data.length, fd: f.fd, firstUs: f.timestampUs, lastUs: f.timestampUs });
      }
    }
    onBatch?.();
  }
  if (reader.stats.frames > 0) {
    s.firstUs = first;
    s.lastUs = last;
  }
  s.frames = reader.stats.frames;
  s.malformed = reader.stats.malformed;
  s.ignored = reader.stats.ignored;
  s.buses = [...buses.values()].sort((a, b) => (a.bus < b.bus ? -1 : a.bus > b.bus ? 1 : 0));
  s.ids = [...ids.values()].sort(compareIds);
  return s;
}
