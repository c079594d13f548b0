import mqtt, { type MqttClient } from 'mqtt';

/** The three topics of a Home Assistant MQTT light (JSON schema). */
export interface LightTopics {
  /** Where commands arrive: `{"state": "ON"|"OFF", "brightness"?: 0..255, "transition"?: s}`. */
  command: string;
  /** Where the light reports itself (retained): `{"state": "ON"|"OFF", "brightness": n, "color_mode": "brightness"}`. */
  state: string;
  /** `online` / `offline` (retained; `offline` is also the connection's last will). */
  availability: string;
}

/** One command as the light saw it: the exact payload, and why it was ignored if it was. */
export interface ReceivedCommand {
  payload: string;
  timeMs: number;
  ignored?: string;
}

/**
 * A simulated smart light speaking the Home Assistant MQTT JSON light schema, on a real broker:
 * it announces itself `online` (retained, with `offline` as its last will), reports its state
 * retained, applies commands whose payload is a JSON object with `state` `ON`/`OFF` (optional
 * `brightness` 0..255, `transition`), and ignores anything else, as a device would, keeping
 * every payload for tests to inspect.
 */
export class SimulatedHaLight {
  on = false;
  /** 0..255; kept while off, as real lights do. */
  brightness = 255;
  readonly received: ReceivedCommand[] = [];
  private client: MqttClient | null = null;

  constructor(
    readonly url: string,
    readonly topics: LightTopics,
  ) {}

  /** Connects, announces `online`, publishes the state and listens for commands. */
  async start(): Promise<void> {
    const c = mqtt.connect(this.url, {
      clientId: `ha-light-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      will: { topic: this.topics.availability, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    this.client = c;
    await new Promise<void>((resolve, reject) => (c.once('connect', () => resolve()), c.once('error', reject)));
    c.on('message', (_topic, payload) => this.onCommand(payload.toString('utf8')));
    await c.subscribeAsync(this.topics.command, { qos: 1 });
    await this.setAvailable(true);
    await this.publishState();
  }

  /** Says `online` or `offline` on the availability topic (retained). */
  async setAvailable(online: boolean): Promise<void> {
    await this.client!.publishAsync(this.topics.availability, online ? 'online' : 'offline', { qos: 1, retain: true });
  }

  private onCommand(payload: string): void {
    const cmd: ReceivedCommand = { payload, timeMs: Date.now() };
    this.received.push(cmd);
    let doc: unknown;
    try {
      doc = JSON.parse(payload);
    } catch {
      cmd.ignored = 'not JSON';
      return;
    }
    const c = doc as { state?: unknown; brightness?: unknown };
    if (typeof doc !== 'object' || doc === null || (c.state !== 'ON' && c.state !== 'OFF')) {
      cmd.ignored = 'no "state": "ON" | "OFF"';
      return;
    }
    if (c.brightness !== undefined && !(typeof c.brightness === 'number' && c.brightness >= 0 && c.brightness <= 255)) {
      cmd.ignored = 'brightness outside 0..255';
      return;
    }
    this.on = c.state === 'ON';
    if (typeof c.brightness === 'number') this.brightness = c.brightness;
    void this.publishState();
  }

  private async publishState(): Promise<void> {
    const s = { state: this.on ? 'ON' : 'OFF', brightness: this.brightness, color_mode: 'brightness' };
    await this.client?.publishAsync(this.topics.state, JSON.stringify(s), { qos: 1, retain: true });
  }

  /** Commands it applied (not ignored), in order. */
  get applied(): ReceivedCommand[] {
    return this.received.filter((r) => !r.ignored);
  }

  /** Disconnects; `offline` is published first when `graceful`, else the broker sends the last will. */
  async stop(graceful = true): Promise<void> {
    if (!this.client) return;
    if (graceful) await this.setAvailable(false);
    await this.client.endAsync(!graceful);
    this.client = null;
  }
}
