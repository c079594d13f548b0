import {
  CompiledDbc,
  DECODE_TRUNCATED,
  INTEGRITY_BAD_CHECKSUM,
  INTEGRITY_BAD_COUNTER,
  INTEGRITY_OK,
  IntegrityChecker,
  MessageTimeouts,
  type CanFrame,
} from '../../../dbc/index.ts';
import type { Mapping, SignalMapping } from '../mapping/mapping.ts';
import { DATATYPE_RANGE } from '../vss/catalogue.ts';
import { QUALITY_INVALID, QUALITY_OUT_OF_RANGE, QUALITY_STALE, QUALITY_VALID, type SignalStore } from '../signal-store/signal-store.ts';

/** What one bus counts; exported as metrics. */
export interface BusCounters {
  frames: number;
  unknownIds: number;
  badChecksum: number;
  badCounter: number;
  truncated: number;
  /** Total time spent decoding and mapping frames (ns). */
  decodeNs: number;
  /** Messages currently timed out. */
  staleMessages: number;
}

/** A mapped signal with its store slot and publish-rule state. */
interface Route {
  m: SignalMapping;
  slot: number;
  dbcSlot: number;
  lo: number;
  hi: number;
  lastValue: number;
  lastMs: number;
}

/**
 * Turns one bus's frames into VSS values: dispatch by id, counter/checksum check (a failing
 * frame marks its signals invalid and is not decoded into them), generated decode into DBC
 * slots, message timeout bookkeeping, then each mapped signal's transform, range check and
 * publish rule (interval / on-change / deadband) before it is written to the store.
 */
export class BusPipeline {
  readonly counters: BusCounters = { frames: 0, unknownIds: 0, badChecksum: 0, badCounter: 0, truncated: 0, decodeNs: 0, staleMessages: 0 };
  private readonly slots: Float64Array;
  private readonly routes: Route[][];
  private readonly stale: Uint8Array;

  constructor(
    readonly name: string,
    readonly dbc: CompiledDbc,
    readonly integrity: IntegrityChecker,
    readonly timeouts: MessageTimeouts,
    mapping: Mapping,
    private readonly store: SignalStore,
  ) {
    this.slots = dbc.createSlots();
    this.routes = dbc.messages.map(() => []);
    this.stale = new Uint8Array(dbc.messages.length);
    for (const m of mapping.signals) {
      const slot = store.index(m.path);
      if (slot < 0) continue;
      const [dlo, dhi] = DATATYPE_RANGE[m.node.datatype] ?? [-Infinity, Infinity];
      this.routes[m.messageIndex]!.push({
        m,
        slot,
        dbcSlot: dbc.slotBase[m.messageIndex]! + m.signalIndex,
        lo: Math.max(m.node.min ?? -Infinity, dlo),
        hi: Math.min(m.node.max ?? Infinity, dhi),
        lastValue: NaN,
        lastMs: -Infinity,
      });
    }
  }

  /** Handles one received frame (hot path). `nowMs` is the receive time. */
  handle(f: CanFrame, nowMs: number): void {
    if (f.error || f.rtr) return;
    const t0 = performance.now();
    this.counters.frames++;
    const mi = this.dbc.messageIndex(f.id, f.extended);
    if (mi < 0) {
      this.counters.unknownIds++;
      return;
    }
    this.timeouts.seen(mi, nowMs);
    if (this.stale[mi] === 1) this.stale[mi] = 0;
    const routes = this.routes[mi]!;
    const flags = this.integrity.covers(mi) ? this.integrity.check(mi, f.data, 0, f.data.length) : INTEGRITY_OK;
    if (flags !== INTEGRITY_OK) {
      if (flags & INTEGRITY_BAD_CHECKSUM) this.counters.badChecksum++;
      else if (flags & INTEGRITY_BAD_COUNTER) this.counters.badCounter++;
      else this.counters.truncated++;
      for (const r of routes) this.store.setQuality(r.slot, QUALITY_INVALID);
    } else {
      if (this.dbc.decodeInto(mi, f.data, 0, f.data.length, this.slots) === DECODE_TRUNCATED) this.counters.truncated++;
      for (const r of routes) this.route(r, nowMs);
    }
    this.counters.decodeNs += (performance.now() - t0) * 1e6;
  }

  private route(r: Route, nowMs: number): void {
    const physical = this.slots[r.dbcSlot]!;
    if (Number.isNaN(physical)) {
      this.store.setQuality(r.slot, QUALITY_INVALID);
      return;
    }
    const v = r.m.convert(physical);
    const rule = r.m.rule;
    if (rule.intervalMs > 0 && nowMs - r.lastMs < rule.intervalMs) return;
    const changed = !(Math.abs(v - r.lastValue) <= rule.deadband);
    const quality = Number.isNaN(v) ? QUALITY_INVALID : v < r.lo || v > r.hi ? QUALITY_OUT_OF_RANGE : QUALITY_VALID;
    if (rule.onChange && !changed && rule.intervalMs === 0 && this.store.quality[r.slot] === quality) return;
    r.lastValue = v;
    r.lastMs = nowMs;
    this.store.write(r.slot, v, nowMs, quality);
  }

  /** Marks the signals of messages that stopped arriving as stale. Call once per tick. */
  checkTimeouts(nowMs: number): void {
    let stale = 0;
    for (let mi = 0; mi < this.routes.length; mi++) {
      const routes = this.routes[mi]!;
      if (routes.length === 0) continue;
      if (this.timeouts.isStale(mi, nowMs)) {
        stale++;
        if (this.stale[mi] === 0) {
          this.stale[mi] = 1;
          for (const r of routes) if (this.store.quality[r.slot] !== 0) this.store.setQuality(r.slot, QUALITY_STALE);
        }
      }
    }
    this.counters.staleMessages = stale;
  }
}
