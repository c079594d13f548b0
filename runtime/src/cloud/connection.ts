import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from '../log.ts';
import { Backoff } from './backoff.ts';
import { CloudUrlError } from './errors.ts';
import { VehicleTopics } from './topics.ts';

/** MQTT 5 CONNACK reason "Unsupported Protocol Version". */
const RC5_UNSUPPORTED_PROTOCOL = 132;
/** MQTT 3.1.1 CONNACK return code "unacceptable protocol version" (what a 3.1.1 broker answers a v5 CONNECT). */
const RC3_UNACCEPTABLE_PROTOCOL = 1;
/** MQTT 5 PUBACK reason "No matching subscribers": accepted, and delivered to nobody. */
const RC5_NO_MATCHING_SUBSCRIBERS = 16;
/** How long `stop()` waits for the offline status and a clean disconnect (ms). */
const STOP_WAIT_MS = 2000;
/** How long the broker keeps the car's session (subscriptions, queued commands) while it is away (s). */
const SESSION_EXPIRY_S = 7 * 86_400;

export interface TlsFiles {
  /** CA certificate(s) that signed the broker's certificate (PEM file). */
  ca?: string;
  /** The car's client certificate and key (PEM files). */
  cert?: string;
  key?: string;
}

export interface ConnectionOptions {
  /** `mqtt://host:port` or `mqtts://host:port`. */
  url: string;
  vehicleId: string;
  /** `auto` tries MQTT 5 and falls back to 3.1.1 when the broker refuses it (default). */
  protocol?: 'auto' | 5 | 4;
  tls?: TlsFiles;
  username?: string;
  password?: string;
  backoff?: { initialMs?: number; maxMs?: number };
  keepaliveS?: number;
  connectTimeoutMs?: number;
  random?: () => number;
  log: Logger;
}

/** Properties of a received message that a reply needs. */
export interface IncomingProps {
  responseTopic?: string;
  correlationData?: Buffer;
}

export interface PublishOptions {
  qos?: 0 | 1;
  retain?: boolean;
  responseTopic?: string;
  correlationData?: Buffer;
}

/**
 * The car's MQTT connection: client id = vehicle id, persistent session, a retained
 * `online` status and a last will that says `offline`, MQTT 5 with a 3.1.1 fallback, TLS with
 * client certificates, and jittered reconnects. Each attempt is a fresh client, so nothing is
 * queued inside the MQTT library: what is unacknowledged when a connection drops is the
 * outbox's to send again.
 *
 * Events: `online` (protocol version), `offline` (why), `message` (topic, payload, props).
 */
export class CloudConnection extends EventEmitter {
  readonly topics: VehicleTopics;
  /** `noSubscribers`: PUBACKs saying nobody subscribed to the topic (MQTT 5; the broker dropped the message by design). */
  readonly counters = { connects: 0, disconnects: 0, fallbacks: 0, attempts: 0, noSubscribers: 0 };
  private client: MqttClient | null = null;
  private version: 4 | 5;
  private stopped = true;
  private receiveMax = 65_535;
  private online = false;
  private generationNo = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly backoff: Backoff;
  private readonly filters = new Set<string>();
  private readonly tlsOptions: Pick<IClientOptions, 'ca' | 'cert' | 'key'>;

  constructor(private readonly o: ConnectionOptions) {
    super();
    this.topics = new VehicleTopics(o.vehicleId);
    this.version = o.protocol === 4 ? 4 : 5;
    this.backoff = new Backoff(o.backoff?.initialMs ?? 500, o.backoff?.maxMs ?? 60_000, o.random);
    const u = parseCloudUrl(o.url);
    this.tlsOptions = u.protocol === 'mqtts:' ? readTls(o.url, o.tls ?? {}) : {};
  }

  /** True while a session with the broker is up. */
  get connected(): boolean {
    return this.client?.connected === true;
  }

  /** The protocol of the current (or last) connection: 5 or 4 (3.1.1). */
  get protocolVersion(): 4 | 5 {
    return this.version;
  }

  /** How many QoS 1 messages the broker accepts in flight (MQTT 5 CONNACK Receive Maximum; 65535 otherwise). */
  get receiveMaximum(): number {
    return this.receiveMax;
  }

  /** Increments on each new session; an acknowledgement from an older one means nothing now. */
  get generation(): number {
    return this.generationNo;
  }

  start(): void {
    this.stopped = false;
    this.attempt();
  }

  /** Subscribes now (when connected) and on every later connection. */
  subscribe(filter: string): void {
    this.filters.add(filter);
    if (this.connected) this.client!.subscribe(filter, this.subOptions());
  }

  unsubscribe(filter: string): void {
    this.filters.delete(filter);
    if (this.connected) this.client!.unsubscribe(filter);
  }

  private subOptions(): { qos: 1; nl?: boolean } {
    // No Local (MQTT 5): the car does not hear its own app messages back.
    return this.version === 5 ? { qos: 1, nl: true } : { qos: 1 };
  }

  private status(online: boolean): Buffer {
    return Buffer.from(JSON.stringify({ online, vehicleId: this.o.vehicleId, timeMs: Date.now() }));
  }

  private attempt(): void {
    if (this.stopped) return;
    this.counters.attempts++;
    const u = new URL(this.o.url);
    const client = mqtt.connect({
      protocol: u.protocol === 'mqtts:' ? 'mqtts' : 'mqtt',
      host: u.hostname,
      port: Number(u.port || (u.protocol === 'mqtts:' ? 8883 : 1883)),
      clientId: this.o.vehicleId,
      protocolVersion: this.version,
      clean: false,
      reconnectPeriod: 0,
      keepalive: this.o.keepaliveS ?? 30,
      connectTimeout: this.o.connectTimeoutMs ?? 10_000,
      ...(this.version === 5 ? { properties: { sessionExpiryInterval: SESSION_EXPIRY_S } } : {}),
      will: { topic: this.topics.status, payload: this.status(false), qos: 1, retain: true },
      ...(this.o.username !== undefined ? { username: this.o.username, password: this.o.password } : {}),
      ...this.tlsOptions,
    });
    this.client = client;
    let refusedVersion = false;
    client.on('connect', (connack) => {
      this.receiveMax = connack.properties?.receiveMaximum ?? 65_535;
      this.onConnect(client);
    });
    client.on('message', (topic, payload, packet: IPublishPacket) => {
      if (client !== this.client) return;
      const p = packet.properties;
      this.emit('message', topic, payload, { responseTopic: p?.responseTopic, correlationData: p?.correlationData } satisfies IncomingProps);
    });
    client.on('error', (err: Error & { code?: number }) => {
      if (this.o.protocol !== 5 && this.version === 5 && (err.code === RC3_UNACCEPTABLE_PROTOCOL || err.code === RC5_UNSUPPORTED_PROTOCOL)) refusedVersion = true;
      else this.o.log.log('warn', 'cloud connection error', { url: this.o.url, error: err.message, code: err.code });
    });
    client.on('close', () => this.onClose(client, refusedVersion));
  }

  private onConnect(client: MqttClient): void {
    if (client !== this.client) return;
    this.generationNo++;
    this.online = true;
    this.counters.connects++;
    this.backoff.reset();
    for (const f of this.filters) client.subscribe(f, this.subOptions());
    client.publish(this.topics.status, this.status(true), { qos: 1, retain: true });
    this.o.log.log('info', 'cloud online', { url: this.o.url, mqtt: this.version === 5 ? '5' : '3.1.1', vehicleId: this.o.vehicleId });
    this.emit('online', this.version);
  }

  private onClose(client: MqttClient, refusedVersion: boolean): void {
    if (client !== this.client) return;
    if (this.online) {
      this.online = false;
      this.counters.disconnects++;
      this.emit('offline', 'connection closed');
    }
    client.removeAllListeners('close');
    client.end(true);
    this.client = null;
    if (this.stopped) return;
    if (refusedVersion) {
      this.counters.fallbacks++;
      this.version = 4;
      this.o.log.log('info', 'broker refused MQTT 5; using 3.1.1', { url: this.o.url });
      this.timer = setTimeout(() => this.attempt(), 0);
      return;
    }
    const delay = this.backoff.next();
    this.timer = setTimeout(() => this.attempt(), delay);
  }

  /**
   * Publishes; resolves on the broker's PUBACK (QoS 1) or when written (QoS 0).
   * Rejects when not connected, when the connection drops first, or on a PUBACK reason >= 0x80.
   */
  publish(topic: string, payload: Buffer | string, o: PublishOptions = {}): Promise<void> {
    const client = this.client;
    if (!client || !client.connected) return Promise.reject(new Error('not connected'));
    const properties = this.version === 5 && (o.responseTopic || o.correlationData) ? { ...(o.responseTopic ? { responseTopic: o.responseTopic } : {}), ...(o.correlationData ? { correlationData: o.correlationData } : {}) } : undefined;
    return new Promise((resolve, reject) => {
      client.publish(topic, payload, { qos: o.qos ?? 1, retain: o.retain ?? false, ...(properties ? { properties } : {}) }, (err, packet) => {
        if (err) return reject(err);
        if ((packet as { reasonCode?: number } | undefined)?.reasonCode === RC5_NO_MATCHING_SUBSCRIBERS) this.counters.noSubscribers++;
        resolve();
      });
    });
  }

  /**
   * Runs `fn` (a burst of publishes) with the socket corked, so the packets leave in one
   * write instead of one system call each.
   */
  burst(fn: () => void): void {
    const stream = this.client?.stream as { cork?: () => void; uncork?: () => void } | undefined;
    if (!stream?.cork || !stream.uncork) return fn();
    stream.cork();
    try {
      fn();
    } finally {
      process.nextTick(() => stream.uncork!());
    }
  }

  /** Says `offline` (retained) when connected, then closes; no more reconnects. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    this.online = false;
    if (!client) return;
    // A broker that stopped answering must not hold up shutdown: after STOP_WAIT_MS the socket is closed.
    const bounded = (p: Promise<void>): Promise<void> => Promise.race([p, new Promise<void>((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
    if (client.connected) {
      await bounded(new Promise<void>((resolve) => client.publish(this.topics.status, this.status(false), { qos: 1, retain: true }, () => resolve())));
    }
    await bounded(new Promise<void>((resolve) => client.end(false, {}, () => resolve())));
    client.end(true);
  }
}

/** Checks a broker URL. @throws CloudUrlError */
export function parseCloudUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CloudUrlError(url, 'not a URL; expected mqtt://HOST:PORT or mqtts://HOST:PORT');
  }
  if (u.protocol !== 'mqtt:' && u.protocol !== 'mqtts:') throw new CloudUrlError(url, `scheme ${u.protocol} is not mqtt: or mqtts:`);
  if (!u.hostname) throw new CloudUrlError(url, 'no host');
  return u;
}

function readTls(url: string, t: TlsFiles): Pick<IClientOptions, 'ca' | 'cert' | 'key'> {
  const read = (what: string, f: string | undefined): Buffer | undefined => {
    if (f === undefined) return undefined;
    try {
      return readFileSync(f);
    } catch (err) {
      throw new CloudUrlError(url, `cannot read the TLS ${what} ${f}: ${(err as Error).message}`);
    }
  };
  if ((t.cert === undefined) !== (t.key === undefined)) throw new CloudUrlError(url, 'a client certificate needs both cert and key');
  const out: Pick<IClientOptions, 'ca' | 'cert' | 'key'> = {};
  const ca = read('CA', t.ca);
  const cert = read('certificate', t.cert);
  const key = read('key', t.key);
  if (ca) out.ca = ca;
  if (cert) out.cert = cert;
  if (key) out.key = key;
  return out;
}
