import type { ActionPolicy } from '../action-policy/action-policy.ts';
import { ClimateTwin } from './climate-twin.ts';
import type { Logger } from '../log.ts';
import type { VssValue } from '../mapping/mapping.ts';
import type { SignalStore } from '../signal-store/signal-store.ts';
import type { VehicleState, VehicleStateSnapshot } from '../vehicle-state/vehicle-state.ts';
import { AppCloudChannel, type AppPublishResult } from './app-channel.ts';
import { builtinCommands } from './builtin-commands.ts';
import type { Category, DataClass } from './categories.ts';
import { openCloudDb, type CloudDatabase, type Durability } from './cloud-db.ts';
import type { TrustedKey } from './command-signing.ts';
import { CommandProcessor, type CommandHandler, type CommandReply } from './commands.ts';
import { CloudConnection, type ConnectionOptions, type IncomingProps } from './connection.ts';
import { ConsentStore } from './consent.ts';
import { Ledger } from './ledger.ts';
import { Outbox, type OutboxOptions } from './outbox.ts';
import { telemetryBatch, newMessageId, type Sample } from './payload.ts';
import { OutboxPublisher } from './publisher.ts';
import { TelemetryCollector } from './telemetry.ts';
import type { TelemetryRuleEntry } from './telemetry-policy.ts';

export interface CloudSyncOptions extends Pick<ConnectionOptions, 'url' | 'vehicleId' | 'protocol' | 'tls' | 'username' | 'password' | 'backoff' | 'keepaliveS' | 'connectTimeoutMs'> {
  /** SQLite file of the outbox, ledger, consent and nonces (`:memory:` for throwaway tests). */
  dbFile: string;
  durability?: Durability;
  store: SignalStore;
  toVss: (path: string) => ((n: number) => VssValue) | null;
  /** The runtime's action policy: the built-in commands act through it (none are registered without it). */
  policy?: ActionPolicy;
  vehicle?: VehicleState;
  trustedKeys?: readonly TrustedKey[];
  /** Reads the trusted keys again (a key added while running); see CommandProcessor. */
  reloadTrustedKeys?: () => readonly TrustedKey[];
  outbox?: OutboxOptions;
  telemetry?: { policy?: readonly TelemetryRuleEntry[]; batchMs?: number; maxBatchSamples?: number };
  /** Messages in flight at most (default 256). */
  window?: number;
  log: Logger;
}

/**
 * Cloud sync: the connection, the durable outbox and its publisher, telemetry by policy and
 * consent, the ledger, signed remote commands, the twin, and app-scoped channels. Built by the
 * runtime when a cloud is configured; `start()` connects (and keeps reconnecting), `stop()`
 * flushes telemetry into the outbox, says offline and closes the database.
 */
export class CloudSync {
  readonly db: CloudDatabase;
  readonly outbox: Outbox;
  readonly ledger: Ledger;
  readonly consent: ConsentStore;
  readonly connection: CloudConnection;
  readonly commands: CommandProcessor;
  readonly publisher: OutboxPublisher;
  readonly telemetry: TelemetryCollector;
  private readonly apps = new Map<string, AppCloudChannel>();
  private readonly desired = new Set<(doc: unknown) => void>();
  /** The twin's climate setting (the default target of `precondition`). */
  readonly climate = new ClimateTwin();
  private readonly reported = new Map<string, { dataClass: DataClass; value: unknown }>();
  private readonly log: Logger;
  private stopping: Promise<void> | null = null;

  constructor(private readonly o: CloudSyncOptions) {
    this.log = o.log;
    this.db = openCloudDb(o.dbFile, o.durability);
    this.outbox = new Outbox(this.db, o.outbox);
    this.ledger = new Ledger(this.db);
    this.consent = new ConsentStore(this.db);
    this.connection = new CloudConnection({ ...o, log: o.log });
    this.commands = new CommandProcessor({ vehicleId: o.vehicleId, keys: o.trustedKeys ?? [], db: this.db, log: o.log, ...(o.reloadTrustedKeys ? { reloadKeys: o.reloadTrustedKeys } : {}) });
    if (o.policy) for (const [name, h] of Object.entries(builtinCommands(o.policy, () => this.climate.targetC))) this.commands.register(name, h);
    this.publisher = new OutboxPublisher(this.outbox, this.connection, this.ledger, o.log, o.window !== undefined ? { window: o.window } : {});
    this.telemetry = new TelemetryCollector({ store: o.store, toVss: o.toVss, consent: this.consent, emit: (c, s) => this.enqueueTelemetry(c, s), ...o.telemetry });
    this.consent.on('revoked', (cats: Category[]) => this.onRevoked(cats));
    this.connection.on('message', (topic: string, payload: Buffer, props: IncomingProps) => void this.onMessage(topic, payload, props));
  }

  /** Connects (retrying with backoff), subscribes to commands and the desired twin, starts telemetry. */
  start(): void {
    const t = this.connection.topics;
    this.connection.subscribe(t.commandsFilter);
    this.connection.subscribe(t.stateDesired);
    this.o.vehicle?.on('change', this.onVehicleChange);
    this.telemetry.start();
    this.publisher.start();
    this.connection.start();
  }

  /** Buffered telemetry goes into the outbox (sent on the next start if not now); says offline; closes. */
  stop(): Promise<void> {
    return (this.stopping ??= this.close());
  }

  private async close(): Promise<void> {
    this.o.vehicle?.off('change', this.onVehicleChange);
    this.telemetry.stop();
    this.publisher.stop();
    for (const a of this.apps.values()) a.close();
    await this.connection.stop();
    this.db.close();
  }

  private readonly onVehicleChange = (next: VehicleStateSnapshot, prev: VehicleStateSnapshot): void => {
    this.publishEvent('event', 'driving', { type: 'vehicle-state', drive: next.drive, from: prev.drive, ignition: next.ignition, charging: next.charging });
  };

  private enqueueTelemetry(category: Category, samples: Sample[]): void {
    const mid = newMessageId();
    // The outbox writes `mid` first; the batch's own copy is the same id.
    const body: Record<string, unknown> = { ...telemetryBatch(mid, category, samples) };
    this.enqueue(() => this.outbox.enqueue({ mid, topic: this.connection.topics.telemetry, body, kind: 'telemetry', dataClass: category, samples: samples.length }));
  }

  /** Enqueues and kicks the publisher; a message the bound refused is counted by the outbox and logged. */
  private enqueue(put: () => unknown): boolean {
    try {
      put();
    } catch (err) {
      this.log.log('warn', 'outbox refused a message', { error: (err as Error).message });
      return false;
    }
    this.publisher.kick();
    return true;
  }

  /**
   * Queues an alert or event on `vehicles/{id}/events` when its data class is consented.
   * Alerts go ahead of everything but command replies.
   */
  publishEvent(kind: 'alert' | 'event', dataClass: DataClass, body: Record<string, unknown>): AppPublishResult {
    if (!this.consent.allows(dataClass)) return { queued: false, reason: 'NO_CONSENT', detail: `no consent for ${dataClass}` };
    const mid = newMessageId();
    const ok = this.enqueue(() => this.outbox.enqueue({ mid, topic: this.connection.topics.events, body: { kind, cat: dataClass, timeMs: Date.now(), ...body }, kind, dataClass }));
    return ok ? { queued: true, mid } : { queued: false, reason: 'OUTBOX_FULL', detail: 'the outbox bound left no room' };
  }

  /**
   * Sets one section of the reported twin (e.g. `climate`) and publishes the whole reported
   * document, retained, with only the sections whose data class is consented.
   */
  reportState(section: string, value: unknown, dataClass: DataClass): void {
    this.reported.set(section, { dataClass, value });
    this.publishReported();
  }

  private publishReported(): void {
    const state: Record<string, unknown> = {};
    for (const [k, v] of this.reported) if (this.consent.allows(v.dataClass)) state[k] = v.value;
    this.enqueue(() => this.outbox.enqueue({ topic: this.connection.topics.stateReported, body: { timeMs: Date.now(), state }, kind: 'state', dataClass: 'service', retain: true }));
  }

  /** Calls `cb` with each desired-state document the cloud publishes; returns the unsubscribe function. */
  onDesired(cb: (doc: unknown) => void): () => void {
    this.desired.add(cb);
    return () => this.desired.delete(cb);
  }

  /** The app-scoped channel of one app (created on first use). @throws TopicError for an unusable app id. */
  appChannel(appId: string): AppCloudChannel {
    let ch = this.apps.get(appId);
    if (!ch) this.apps.set(appId, (ch = new AppCloudChannel(appId, this.connection, this.outbox, this.consent, () => this.publisher.kick())));
    return ch;
  }

  /** Adds a remote command (signature, expiry and replay checks apply to it like to the built-ins). */
  registerCommand(name: string, handler: CommandHandler): void {
    this.commands.register(name, handler);
  }

  private onRevoked(categories: Category[]): void {
    const buffered = this.telemetry.discard(categories);
    let queued = 0;
    for (const c of categories) queued += this.outbox.purge(c);
    if (this.reported.size > 0) this.publishReported();
    this.log.log('info', 'consent revoked: queued data purged', { categories, purgedMessages: queued, discardedSamples: buffered });
  }

  private async onMessage(topic: string, payload: Buffer, props: IncomingProps): Promise<void> {
    const t = this.connection.topics;
    const name = t.commandName(topic);
    if (name !== null) return this.reply(name, await this.commands.handle(name, payload), payload, props);
    if (topic === t.stateDesired) {
      let doc: unknown;
      try {
        doc = JSON.parse(payload.toString('utf8'));
      } catch (err) {
        this.log.log('warn', 'desired state is not JSON', { topic, error: (err as Error).message });
        return;
      }
      const outcome = this.climate.applyDesired(doc);
      if (outcome.refused) this.log.log('warn', 'desired climate refused', { topic, reason: outcome.refused });
      if (outcome.changed) {
        this.log.log('info', 'climate target set by the twin', { targetC: this.climate.targetC });
        this.reportState('climate', this.climate.reported, 'cabin');
      }
      for (const cb of this.desired) cb(doc);
      return;
    }
    for (const ch of this.apps.values()) if (ch.deliver(topic, payload)) return;
  }

  /** Sends a command's reply: to its MQTT 5 response topic with its correlation data, else to `replyTo` in the payload (3.1.1), else to `commands/{name}/reply`. */
  private reply(name: string, r: CommandReply, payload: Buffer, props: IncomingProps): void {
    let replyTo: unknown;
    try {
      replyTo = (JSON.parse(payload.toString('utf8')) as { replyTo?: unknown }).replyTo;
    } catch {
      replyTo = undefined;
    }
    const usable = (s: unknown): s is string => typeof s === 'string' && s.length > 0 && !/[+#\0]/.test(s);
    const topic = usable(props.responseTopic) ? props.responseTopic : usable(replyTo) ? replyTo : this.connection.topics.defaultReply(name);
    this.enqueue(() => this.outbox.enqueue({ topic, body: { ...r }, kind: 'reply', dataClass: 'service', ...(props.correlationData ? { correlationData: props.correlationData } : {}) }));
  }

  /** Figures for `/metrics` and the HMI. */
  stats(): CloudStats {
    return {
      connected: this.connection.connected,
      protocol: this.connection.protocolVersion === 5 ? '5' : '3.1.1',
      connection: { ...this.connection.counters },
      outbox: { ...this.outbox.depth, maxBytes: this.outbox.maxBytes, inFlight: this.publisher.inFlightCount, ...this.outbox.counters, dropped: { ...this.outbox.counters.dropped }, rejected: this.publisher.counters.rejected },
      telemetry: { ...this.telemetry.counters },
      commands: { ...this.commands.counters, refusedByReason: { ...this.commands.refusedByReason } },
    };
  }
}

/** A snapshot of cloud sync's counters. */
export interface CloudStats {
  connected: boolean;
  protocol: '5' | '3.1.1';
  connection: CloudConnection['counters'];
  outbox: { messages: number; bytes: number; maxBytes: number; inFlight: number; enqueued: number; acked: number; dropped: Record<string, number>; expired: number; purged: number; rejected: number };
  telemetry: TelemetryCollector['counters'];
  commands: CommandProcessor['counters'] & { refusedByReason: Record<string, number> };
}
