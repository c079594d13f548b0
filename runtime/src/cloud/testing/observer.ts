import mqtt, { type MqttClient } from 'mqtt';

/** A received message as the cloud side sees it. */
export interface Seen {
  topic: string;
  body: Record<string, unknown>;
  retain: boolean;
  correlationData?: Buffer;
}

/**
 * The cloud side of tests: a persistent-session MQTT client on `vehicles/#` that keeps every
 * message and counts unique and duplicate message ids.
 */
export class Observer {
  readonly seen: Seen[] = [];
  readonly mids = new Map<string, number>();
  duplicates = 0;

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
      } catch {
        body = { raw: payload.toString('utf8') };
      }
      const mid = body['mid'];
      if (typeof mid === 'string') {
        const n = this.mids.get(mid) ?? 0;
        if (n > 0) this.duplicates++;
        this.mids.set(mid, n + 1);
      }
      this.seen.push({ topic, body, retain: packet.retain, ...(packet.properties?.correlationData ? { correlationData: packet.properties.correlationData } : {}) });
    });
  }

  static async connect(url: string, o: { clientId?: string; version?: 4 | 5; filter?: string } = {}): Promise<Observer> {
    const client = mqtt.connect(url, { clientId: o.clientId ?? `observer-${process.pid}-${Math.random().toString(36).slice(2, 8)}`, protocolVersion: o.version ?? 4, clean: false, reconnectPeriod: 200, ...(o.version === 5 ? { properties: { sessionExpiryInterval: 3600, receiveMaximum: 20 } } : {}) });
    const obs = new Observer(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(o.filter ?? 'vehicles/#', { qos: 1 });
    return obs;
  }

  on(topicSuffix: string): Seen[] {
    return this.seen.filter((s) => s.topic.endsWith(topicSuffix));
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/** Polls `pred` every 20 ms; throws with `what` after `ms`. */
export async function until(pred: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
