import { EventEmitter } from 'node:events';
import { encodeFromObject, FrameEncodeError, type CompiledDbc, type IntegrityChecker } from '../../../dbc/index.ts';
import type { OutgoingFrame } from '../../../firmware-bridge/index.ts';
import { PolicyDeniedError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { SignalMapping, VssValue } from '../mapping/mapping.ts';
import { DATATYPE_RANGE } from '../vss/catalogue.ts';
import type { VehicleState } from '../vehicle-state/vehicle-state.ts';
import { DEFAULT_MAX_PER_SECOND, DEFAULT_RULES, REMOTE_CALLER, ruleApplies, type PolicyRule } from './policy-rules.ts';

/** Puts one frame on one bus. Only the action policy is ever given one. */
export type FrameSender = (frame: OutgoingFrame) => Promise<void>;

/** Where an actuator's requests go. */
export interface ActuatorTarget {
  bus: string;
  dbc: CompiledDbc;
  integrity: IntegrityChecker;
  mapping: SignalMapping;
}

export interface ActionRequest {
  /** Who asks: an app id, `cloud`, or `hmi` (the driver at the screen). */
  caller: string;
  path: string;
  value: VssValue;
  /**
   * `remote`: an app asks while it acts for a remote command (set by the app host, never by the
   * app). Rules for caller `cloud` apply to it too, besides the app's own grant.
   */
  via?: 'remote';
  /** With `via`: the remote command's id (its nonce). */
  command?: string;
}

export interface ActionDecision extends ActionRequest {
  allowed: boolean;
  /** `OK`, or why not: UNKNOWN_PATH, NOT_ACTUATOR, NO_PERMISSION, BAD_VALUE, OUT_OF_RANGE, VEHICLE_STATE, RATE_LIMIT, SEND_FAILED. */
  reason: string;
  detail: string;
  timeMs: number;
  /** The frame sent, when allowed. */
  frame?: { bus: string; id: number; dataHex: string };
}

export interface ActionPolicyOptions {
  targets: ActuatorTarget[];
  senders: ReadonlyMap<string, FrameSender>;
  vehicle: VehicleState;
  /** Is `caller` granted `path`? (the app platform's grants, the owner's cloud consent) */
  permits: (caller: string, path: string) => boolean;
  /** Knows whether a VSS path exists at all (to tell UNKNOWN_PATH from NOT_ACTUATOR). */
  isVssPath: (path: string) => boolean;
  rules?: PolicyRule[];
  clock?: () => number;
  log: Logger;
}

/**
 * The only path from a wish to a bus. A request to set a VSS actuator is checked, in order, for
 * the caller's permission, the value against VSS (datatype, min/max, allowed values), the
 * vehicle-state rules, and the rate limit; then it is encoded with the DBC (range-checked again
 * in raw bits), sealed with counter and checksum, and sent on the bus's link — which itself
 * accepts only the allow-listed request ids. Every decision is a `decision` event and a log line.
 */
export class ActionPolicy extends EventEmitter {
  private readonly byPath = new Map<string, ActuatorTarget>();
  private readonly accepted = new Map<string, number[]>();
  private readonly counters = new Map<string, number>();
  private readonly rules: PolicyRule[];
  private readonly clock: () => number;

  constructor(private readonly o: ActionPolicyOptions) {
    super();
    for (const t of o.targets) if (t.mapping.actuator) this.byPath.set(t.mapping.path, t);
    this.rules = o.rules ?? DEFAULT_RULES;
    this.clock = o.clock ?? Date.now;
  }

  /** VSS paths that can be requested. */
  get actuators(): string[] {
    return [...this.byPath.keys()];
  }

  /** Decides and, when allowed, sends. Never throws: the decision says what happened. */
  async request(req: ActionRequest): Promise<ActionDecision> {
    const now = this.clock();
    const deny = (reason: string, detail: string): ActionDecision => this.decide({ ...req, allowed: false, reason, detail, timeMs: now });
    const target = this.byPath.get(req.path);
    if (!target) return deny(this.o.isVssPath(req.path) ? 'NOT_ACTUATOR' : 'UNKNOWN_PATH', this.o.isVssPath(req.path) ? `${req.path} cannot be written on this car` : `${req.path} is not a VSS path`);
    if (!this.o.permits(req.caller, req.path)) return deny('NO_PERMISSION', `${req.caller} is not allowed to set ${req.path}`);
    const bad = checkValue(target.mapping, req.value);
    if (bad) return deny(bad.reason, bad.detail);
    const state = this.o.vehicle.current.drive;
    for (const r of this.rules) {
      if (!ruleApplies(r, req.path) || !r.states || (r.value !== undefined && r.value !== req.value)) continue;
      if (r.callers && !r.callers.includes(req.caller) && !(req.via === 'remote' && r.callers.includes(REMOTE_CALLER))) continue;
      if (!r.states.includes(state)) return deny('VEHICLE_STATE', `${r.because ?? `${req.path} cannot be set now`} (vehicle is ${state})`);
    }
    const limit = this.rules.find((r) => r.maxPerSecond !== undefined && ruleApplies(r, req.path))?.maxPerSecond ?? DEFAULT_MAX_PER_SECOND;
    const recent = (this.accepted.get(req.path) ?? []).filter((t) => now - t < 1000);
    if (recent.length >= limit) return deny('RATE_LIMIT', `${req.path} accepts at most ${limit} request(s) per second`);
    let frame: OutgoingFrame;
    try {
      frame = this.encode(target, req.value);
    } catch (err) {
      if (err instanceof FrameEncodeError || err instanceof PolicyDeniedError) return deny(err instanceof PolicyDeniedError ? err.reason : 'OUT_OF_RANGE', err.message);
      throw err;
    }
    const send = this.o.senders.get(target.bus);
    if (!send) return deny('SEND_FAILED', `no link for bus ${target.bus}`);
    try {
      await send(frame);
    } catch (err) {
      return deny('SEND_FAILED', (err as Error).message);
    }
    recent.push(now);
    this.accepted.set(req.path, recent);
    return this.decide({ ...req, allowed: true, reason: 'OK', detail: `sent on ${target.bus}`, timeMs: now, frame: { bus: target.bus, id: frame.id, dataHex: Buffer.from(frame.data).toString('hex') } });
  }

  /** Like `request`, but a refusal is a `PolicyDeniedError` (for callers that prefer throws). */
  async requestOrThrow(req: ActionRequest): Promise<ActionDecision> {
    const d = await this.request(req);
    if (!d.allowed) throw new PolicyDeniedError(`${req.caller} → ${req.path}: ${d.detail}`, d.reason);
    return d;
  }

  private encode(t: ActuatorTarget, value: VssValue): OutgoingFrame {
    const a = t.mapping.actuator!;
    const dbcValue = a.toDbc(value);
    if (dbcValue === null) throw new PolicyDeniedError(`${t.mapping.path}: ${JSON.stringify(value)} cannot be requested on this car`, 'BAD_VALUE');
    const mi = a.messageIndex;
    const data = encodeFromObject(t.dbc, mi, { ...a.with, [a.signal.name]: dbcValue }, { strict: true, fillMissing: true });
    const key = `${t.bus}/${mi}`;
    const counter = this.counters.get(key) ?? 0;
    this.counters.set(key, counter + 1);
    if (t.integrity.covers(mi)) t.integrity.seal(mi, data, 0, data.length, counter);
    const m = t.dbc.messages[mi]!;
    return { id: m.id, extended: m.extended, data, fd: m.isFd };
  }

  private decide(d: ActionDecision): ActionDecision {
    this.emit('decision', d);
    this.o.log.log(d.allowed ? 'info' : 'warn', d.allowed ? 'actuator request sent' : 'actuator request refused', {
      caller: d.caller, ...(d.via ? { via: d.via, command: d.command } : {}), path: d.path, value: d.value, reason: d.reason, detail: d.detail, ...(d.frame ? { bus: d.frame.bus, id: d.frame.id, data: d.frame.dataHex } : {}),
    });
    return d;
  }
}

/** The value against the VSS leaf: datatype, integer-ness, min/max, allowed values. */
function checkValue(m: SignalMapping, v: VssValue): { reason: string; detail: string } | null {
  const n = m.node;
  if (n.datatype === 'boolean') return typeof v === 'boolean' ? null : { reason: 'BAD_VALUE', detail: `${m.path} takes true or false, not ${JSON.stringify(v)}` };
  if (n.datatype === 'string') {
    if (typeof v !== 'string') return { reason: 'BAD_VALUE', detail: `${m.path} takes a string` };
    return n.allowed && !n.allowed.includes(v) ? { reason: 'OUT_OF_RANGE', detail: `${m.path} takes one of ${n.allowed.join(', ')}` } : null;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) return { reason: 'BAD_VALUE', detail: `${m.path} takes a number, not ${JSON.stringify(v)}` };
  const range = DATATYPE_RANGE[n.datatype];
  if (range && !Number.isInteger(v)) return { reason: 'BAD_VALUE', detail: `${m.path} is ${n.datatype}: ${v} is not an integer` };
  const lo = Math.max(n.min ?? -Infinity, range?.[0] ?? -Infinity);
  const hi = Math.min(n.max ?? Infinity, range?.[1] ?? Infinity);
  if (v < lo || v > hi) return { reason: 'OUT_OF_RANGE', detail: `${m.path}: ${v} is outside [${lo}, ${hi}]` };
  return null;
}
