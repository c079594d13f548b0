import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { CompiledDbc, IntegrityChecker, loadDbcFile, MessageTimeouts, type CanFrame } from '../../dbc/index.ts';
import { createLink, FakeLink, txKey, type CanLink } from '../../firmware-bridge/index.ts';
import { loadScenario, openTraceReader, ScenarioFeed, SyntheticVehicle, TraceFeed, type BusFeed } from '../../sim/index.ts';
import { ActionPolicy, type FrameSender } from './action-policy/action-policy.ts';
import { BusPipeline } from './bus/bus-pipeline.ts';
import type { CarConfig } from './config/car-config.ts';
import { ConfigError } from './errors.ts';
import type { Logger } from './log.ts';
import { loadMapping, type Mapping } from './mapping/mapping.ts';
import { SignalStore } from './signal-store/signal-store.ts';
import { VehicleState } from './vehicle-state/vehicle-state.ts';
import { VssCatalogue } from './vss/catalogue.ts';

/** How often timeouts, vehicle state and subscriber deliveries are evaluated (ms). */
export const TICK_MS = 20;
/**
 * A message is never stale sooner than this after its last frame (ms), however fast its cycle:
 * a 20 ms message would otherwise go stale, and the vehicle state to unknown, whenever this
 * process's event loop stalls for 50 ms (GC, a loaded CPU). Loss of a bus still shows in 250 ms.
 */
export const STALE_FLOOR_MS = 250;
/** Frame timestamps further than this from the local clock are not trusted as signal times (ms). */
const MAX_STAMP_SKEW_MS = 2000;
/** Resolution of the event-loop delay histogram; it records whole timer intervals, so lag = value - this. */
export const LOOP_DELAY_RESOLUTION_MS = 10;

export interface RuntimeBus {
  name: string;
  link: CanLink;
  pipeline: BusPipeline;
  mapping: Mapping;
  feed: BusFeed | null;
}

/**
 * The head-unit process: for each configured bus a link, a DBC, a mapping and a pipeline into
 * one signal store; vehicle state derived on every tick; the action policy holding the only
 * senders. `start()` opens everything; `stop()` closes it in reverse.
 */
export class Runtime {
  readonly store: SignalStore;
  readonly vehicle: VehicleState;
  readonly policy: ActionPolicy;
  readonly buses: RuntimeBus[];
  readonly vss: VssCatalogue;
  readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  readonly startedAtMs = Date.now();
  /** Actuator grants per caller other than `hmi` (an app id, `cloud`): may `caller` request `path`? */
  readonly grants = new Map<string, (path: string) => boolean>();
  /** More Prometheus text appended to `/metrics` (the cloud's outbox and counters, ...). */
  readonly metricSources: (() => string)[] = [];
  /** Wall time of the first decoded value, for the cold-start figure. */
  firstSignalAtMs: number | null = null;
  private tick: NodeJS.Timeout | null = null;
  private readers: Promise<void>[] = [];
  private flushScheduled = false;
  private dueTimer: NodeJS.Timeout | null = null;
  private readonly flushNow = (): void => {
    this.flushScheduled = false;
    this.store.flush(Date.now());
    this.scheduleDue();
  };

  /** Values held back by a subscriber's rate limit go out the moment the limit allows, not at the next tick. */
  private scheduleDue(): void {
    const due = this.store.nextDueMs;
    if (due === Infinity || this.dueTimer) return;
    this.dueTimer = setTimeout(() => {
      this.dueTimer = null;
      this.flushNow();
    }, Math.max(0, due - Date.now()));
  }

  private constructor(
    readonly config: CarConfig,
    readonly log: Logger,
    buses: RuntimeBus[],
    vss: VssCatalogue,
    store: SignalStore,
    senders: Map<string, FrameSender>,
    targets: ConstructorParameters<typeof ActionPolicy>[0]['targets'],
  ) {
    this.buses = buses;
    this.vss = vss;
    this.store = store;
    const ign = buses.flatMap((b) => b.mapping.signals).find((m) => m.path === 'Vehicle.LowVoltageSystemState');
    this.vehicle = new VehicleState(store, (n) => (ign ? String(ign.toVss(n)) : 'UNDEFINED'));
    this.vehicle.on('change', (next, prev) => log.log('info', 'vehicle state', { drive: next.drive, ux: next.ux, ignition: next.ignition, from: prev.drive }));
    this.policy = new ActionPolicy({
      targets,
      senders,
      vehicle: this.vehicle,
      // The driver at the screen may command every actuator; apps and the cloud get the grants registered in `grants`.
      permits: (caller, path) => caller === 'hmi' || (this.grants.get(caller)?.(path) ?? false),
      isVssPath: (p) => vss.get(p) !== undefined,
      log: log.child('action-policy'),
    });
  }

  /**
   * Builds the runtime from a configuration: loads DBCs and mappings (all errors before anything
   * opens), creates links whose transmit allow-list is exactly the mapping's request messages.
   * @throws ConfigError / DbcError / LinkUrlError with file and location.
   */
  static async create(config: CarConfig, log: Logger): Promise<Runtime> {
    const vss = VssCatalogue.load();
    const prepared = config.buses.map((b) => {
      const dbc = new CompiledDbc(loadDbcFile(b.dbc));
      return { b, dbc, mapping: loadMapping(b.mapping, dbc, vss) };
    });
    const paths = new Map<string, string>();
    for (const { b, mapping } of prepared) {
      for (const m of mapping.signals) {
        const other = paths.get(m.path);
        if (other) throw new ConfigError(config.file, `$.buses[${b.name}]`, `${m.path} is mapped on bus ${other} and on bus ${b.name}`);
        paths.set(m.path, b.name);
      }
    }
    const store = new SignalStore([...paths.keys()]);
    const senders = new Map<string, FrameSender>();
    const targets: ConstructorParameters<typeof ActionPolicy>[0]['targets'] = [];
    const buses: RuntimeBus[] = [];
    for (const { b, dbc, mapping } of prepared) {
      const integrity = new IntegrityChecker(dbc.messages, b.checksum);
      const actuators = mapping.signals.filter((m) => m.actuator);
      const allow = new Set(actuators.map((m) => {
        const msg = dbc.messages[m.actuator!.messageIndex]!;
        return txKey(msg.id, msg.extended);
      }));
      const link = await createLink(b.link, { bus: b.name, txAllow: allow });
      senders.set(b.name, (frame) => link.send(frame));
      for (const m of actuators) targets.push({ bus: b.name, dbc, integrity: new IntegrityChecker(dbc.messages, b.checksum), mapping: m });
      const pipeline = new BusPipeline(b.name, dbc, integrity, new MessageTimeouts(dbc.messages, { minTimeoutMs: STALE_FLOOR_MS }), mapping, store);
      let feed: BusFeed | null = null;
      if (b.feed) {
        if (!(link instanceof FakeLink)) throw new ConfigError(config.file, `$.buses[${b.name}].feed`, 'a feed needs a fake: link');
        const fake = link;
        if (b.feed.scenario) {
          feed = new ScenarioFeed(new SyntheticVehicle(loadScenario(b.feed.scenario)), (f) => fake.inject(f, f.timestampUs), b.feed.loop);
        } else if (b.feed.trace) {
          // Opening detects the format now: a missing or unreadable trace fails before anything starts.
          const reader = await openTraceReader(b.feed.trace);
          const feedLog = log.child('trace-feed');
          feed = new TraceFeed(reader, (f, timestampUs) => fake.inject(f, timestampUs), {
            loop: b.feed.loop,
            onError: (err) => feedLog.log('error', 'trace feed stopped', { bus: b.name, trace: b.feed?.trace, error: (err as Error).message }),
            onEnd: () => feedLog.log('info', 'trace feed ended', { bus: b.name, trace: b.feed?.trace }),
          });
        }
      }
      buses.push({ name: b.name, link, pipeline, mapping, feed });
    }
    return new Runtime(config, log, buses, vss, store, senders, targets);
  }

  /** Opens the links and starts reading, ticking and feeding. */
  async start(): Promise<void> {
    this.loopDelay.enable();
    for (const bus of this.buses) {
      bus.link.on('state', (state, why) => this.log.log(state === 'reconnecting' || state === 'failed' ? 'warn' : 'info', 'link state', { bus: bus.name, link: bus.link.url, state, why }));
      await bus.link.open();
      this.readers.push(this.read(bus));
      bus.feed?.start();
    }
    this.tick = setInterval(() => this.onTick(), TICK_MS);
  }

  private async read(bus: RuntimeBus): Promise<void> {
    const frames = bus.link[Symbol.asyncIterator]();
    for (;;) {
      const first = await frames.next();
      if (first.done) return;
      // One await per burst: the frames queued behind the first are taken synchronously.
      const now = Date.now();
      for (let frame: CanFrame | undefined = first.value; frame !== undefined; frame = bus.link.poll()) {
        // A live link stamps frames when they arrived (kernel or adapter time): that is the
        // signal's time. Frames stamped far from now (a clock jump) fall back to the local clock.
        const at = frame.timestampUs / 1000;
        bus.pipeline.handle(frame, Math.abs(at - now) < MAX_STAMP_SKEW_MS ? at : now);
      }
      if (this.firstSignalAtMs === null && bus.pipeline.counters.frames > bus.pipeline.counters.unknownIds) this.firstSignalAtMs = Date.now();
      // Deliver once the frames that arrived together are decoded, not at the next tick: the
      // latency from frame to subscriber is then one event-loop turn.
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flushNow);
      }
    }
  }

  private onTick(): void {
    const now = Date.now();
    for (const b of this.buses) b.pipeline.checkTimeouts(now);
    this.vehicle.update();
    this.store.flush(now);
    this.scheduleDue();
  }

  /** Event-loop lag at a percentile, in seconds (the histogram's resolution taken out). */
  loopLagSeconds(percentile: number): number {
    const ns = percentile >= 100 ? this.loopDelay.max : this.loopDelay.percentile(percentile);
    return Math.max(0, ns / 1e9 - LOOP_DELAY_RESOLUTION_MS / 1000);
  }

  /** Stops feeds and ticks, closes links, waits for the readers to finish. */
  async stop(): Promise<void> {
    if (this.tick) clearInterval(this.tick);
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.tick = null;
    this.dueTimer = null;
    for (const b of this.buses) b.feed?.stop();
    await Promise.all(this.buses.map((b) => b.link.close()));
    await Promise.all(this.readers);
    this.loopDelay.disable();
  }
}
