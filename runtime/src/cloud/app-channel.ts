import type { ConsentStore } from './consent.ts';
import type { CloudConnection } from './connection.ts';
import type { Outbox } from './outbox.ts';
import { topicMatches } from './topics.ts';

/** What an app's publish did: queued with a message id, or withheld (and why). */
export type AppPublishResult = { queued: true; mid: string } | { queued: false; reason: 'NO_CONSENT' | 'OUTBOX_FULL'; detail: string };

/** A message for an app, from its topics. `topic` is relative to the app's root. */
export interface AppMessage {
  topic: string;
  /** Parsed JSON, or the text when the payload is not JSON. */
  data: unknown;
  raw: Buffer;
}

/**
 * One app's view of the cloud: `vehicles/{id}/apps/{appId}/...` and nothing else. The app
 * host creates one per app (`CloudSync.appChannel(appId)`) and hands it to the sandbox bridge.
 * Publishing needs the owner's `apps` consent and goes through the durable outbox (payload
 * `{"mid": ..., "app": appId, "data": ...}`); subscriptions use topic filters relative to the
 * app's root (`+` and a trailing `#` allowed).
 */
export class AppCloudChannel {
  private readonly subs = new Map<string, Set<(m: AppMessage) => void>>();
  /** Ids of this app's own recent messages, to drop their echo on MQTT 3.1.1 (no No Local). */
  private readonly recentMids: string[] = [];

  constructor(
    readonly appId: string,
    private readonly conn: CloudConnection,
    private readonly outbox: Outbox,
    private readonly consent: ConsentStore,
    private readonly kick: () => void,
  ) {
    conn.topics.app(appId);
  }

  /**
   * Queues `data` for `{app root}/{topic}`. `alert` goes ahead of events and telemetry. `raw`
   * sends `data` itself (a string as is, anything else as JSON) without the envelope, for
   * devices with their own schema; such a message has no `mid`, so on MQTT 3.1.1 an app that
   * also subscribes to the same topic hears its own echo.
   * @throws TopicError when `topic` is not a plain relative topic.
   */
  publish(topic: string, data: unknown, o: { retain?: boolean; ttlMs?: number; alert?: boolean; raw?: boolean } = {}): AppPublishResult {
    const full = this.conn.topics.appTopic(this.appId, topic);
    if (!this.consent.allows('apps')) return { queued: false, reason: 'NO_CONSENT', detail: 'the owner has not allowed app data to leave the car' };
    try {
      const raw = o.raw ? Buffer.from(typeof data === 'string' ? data : JSON.stringify(data ?? null), 'utf8') : undefined;
      const m = this.outbox.enqueue({ topic: full, body: { app: this.appId, timeMs: Date.now(), data }, kind: o.alert ? 'alert' : 'app', dataClass: 'apps', ...(raw ? { raw } : {}), ...(o.retain ? { retain: true } : {}), ...(o.ttlMs ? { ttlMs: o.ttlMs } : {}) });
      this.recentMids.push(m.mid);
      if (this.recentMids.length > 256) this.recentMids.shift();
      this.kick();
      return { queued: true, mid: m.mid };
    } catch (err) {
      return { queued: false, reason: 'OUTBOX_FULL', detail: (err as Error).message };
    }
  }

  /**
   * Calls `cb` for each message on `{app root}/{filter}`; returns the unsubscribe function.
   * @throws TopicError when `filter` reaches outside the app's subtree.
   */
  subscribe(filter: string, cb: (m: AppMessage) => void): () => void {
    const full = this.conn.topics.appTopic(this.appId, filter, true);
    let set = this.subs.get(full);
    if (!set) {
      this.subs.set(full, (set = new Set()));
      this.conn.subscribe(full);
    }
    set.add(cb);
    return () => {
      set!.delete(cb);
      if (set!.size === 0) {
        this.subs.delete(full);
        this.conn.unsubscribe(full);
      }
    };
  }

  /** Delivers an incoming message to matching subscribers; false when it is not for this app. */
  deliver(topic: string, raw: Buffer): boolean {
    const root = this.conn.topics.app(this.appId) + '/';
    if (!topic.startsWith(root)) return false;
    let data: unknown;
    try {
      data = JSON.parse(raw.toString('utf8'));
    } catch {
      data = raw.toString('utf8');
    }
    const mid = (data as { mid?: unknown } | null)?.mid;
    if (typeof mid === 'string' && this.recentMids.includes(mid)) return true;
    for (const [filter, cbs] of this.subs) {
      if (!topicMatches(filter, topic)) continue;
      for (const cb of cbs) cb({ topic: topic.slice(root.length), data, raw });
    }
    return true;
  }

  /** Drops every subscription (the app stopped). */
  close(): void {
    for (const full of this.subs.keys()) this.conn.unsubscribe(full);
    this.subs.clear();
  }
}
