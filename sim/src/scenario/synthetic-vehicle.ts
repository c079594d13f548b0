import { CHECKSUM_SCHEMES, CompiledDbc, encodeFromObject, IntegrityChecker, loadDbcFile, type CanFrame, type ChecksumScheme } from '../../../dbc/index.ts';
import { SimError } from '../errors.ts';
import { valueAt, type Scenario } from './scenario.ts';

/** Cycle used for messages whose DBC states none. */
const DEFAULT_CYCLE_MS = 1000;

/**
 * Turns a scenario into frames: every message with a cycle time is sent at that cycle, with
 * each signal's value taken from its track at that moment, sealed with counter and checksum
 * under the scenario's scheme. Frames come out in time order (a merge of the message cycles).
 */
export class SyntheticVehicle {
  readonly dbc: CompiledDbc;
  private readonly integrity: IntegrityChecker;
  /** Message indexes this vehicle sends, with their periods (ms). */
  private readonly schedule: { mi: number; periodMs: number; phaseMs: number }[];
  private readonly tracksByMessage: Map<string, [number, string][]>[];

  constructor(readonly scenario: Scenario) {
    this.dbc = new CompiledDbc(loadDbcFile(scenario.dbcFile));
    if (!(CHECKSUM_SCHEMES as readonly string[]).includes(scenario.checksum)) {
      throw new SimError(`${scenario.file}: $.checksum: "${scenario.checksum}" is not one of ${CHECKSUM_SCHEMES.join(', ')}`, 'SCENARIO');
    }
    this.integrity = new IntegrityChecker(this.dbc.messages, scenario.checksum as ChecksumScheme);
    this.tracksByMessage = this.dbc.messages.map(() => new Map());
    for (const key of scenario.tracks.keys()) {
      const dot = key.indexOf('.');
      const mi = this.dbc.messageIndexByName(key.slice(0, dot));
      if (mi < 0 || !this.dbc.messages[mi]!.signals.some((s) => s.name === key.slice(dot + 1))) {
        throw new SimError(`${scenario.file}: $.tracks["${key}"]: no such MESSAGE.SIGNAL in ${scenario.dbcFile}`, 'SCENARIO');
      }
    }
    // Only messages a real ECU sends cyclically; requests from the head unit (no cycle) are left out.
    this.schedule = this.dbc.messages
      .map((m, mi) => ({ mi, periodMs: m.cycleTimeMs ?? 0, phaseMs: (mi * 7) % Math.max(m.cycleTimeMs ?? DEFAULT_CYCLE_MS, 1) }))
      .filter((s) => s.periodMs > 0);
  }

  /** The frame of message `mi` at scenario time `tMs`. */
  frameAt(mi: number, tMs: number, counter: number, wallUs: number): CanFrame {
    const m = this.dbc.messages[mi]!;
    const values: Record<string, number | string> = {};
    for (const s of m.signals) {
      const track = this.scenario.tracks.get(`${m.name}.${s.name}`);
      if (track) values[s.name] = valueAt(track, tMs / 1000, s.length === 1 || s.choices !== null);
    }
    const data = encodeFromObject(this.dbc, mi, values, { fillMissing: true, strict: false });
    if (this.integrity.covers(mi)) this.integrity.seal(mi, data, 0, data.length, counter);
    return { timestampUs: wallUs, bus: this.scenario.bus, id: m.id, extended: m.extended, fd: m.isFd, brs: false, esi: false, rtr: false, error: false, data };
  }

  /**
   * Frames from `fromMs` (inclusive) to `toMs` (exclusive) of scenario time, in time order.
   * `wallStartUs` is the wall-clock time of scenario time 0.
   */
  *frames(fromMs: number, toMs: number, wallStartUs: number): Generator<CanFrame> {
    const due: { mi: number; t: number; n: number; periodMs: number }[] = this.schedule.map((s) => {
      const n = Math.max(0, Math.ceil((fromMs - s.phaseMs) / s.periodMs));
      return { mi: s.mi, t: s.phaseMs + n * s.periodMs, n, periodMs: s.periodMs };
    });
    for (;;) {
      let next = due[0];
      for (const d of due) if (d.t < next!.t) next = d;
      if (!next || next.t >= toMs) return;
      yield this.frameAt(next.mi, next.t, next.n, wallStartUs + next.t * 1000);
      next.n++;
      next.t += next.periodMs;
    }
  }
}
