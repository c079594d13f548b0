import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import type { Keyframe } from '../../sim/index.ts';
import {
  APP_COMMAND, attachApps, attachCloud, cloudDir, DEFAULT_CONFIG, linkAppsToCloud, loadCarConfig, memoryLogger, Runtime, signCommand, trustedKeysFile,
  type ActionDecision, type AppHost, type RuntimeCloud,
} from '../../runtime/index.ts';

const APPS = fileURLToPath(new URL('..', import.meta.url));
const SCENARIOS = fileURLToPath(new URL('../../sim/scenarios/', import.meta.url));
const DBC = fileURLToPath(new URL('../../dbc/vehicles/demo-ev.dbc', import.meta.url));

/**
 * A scenario from sim/scenarios played faster: the part from `fromS` on, `speed` times as fast
 * (every keyframe's time shifted by `fromS` and divided by `speed`; earlier keyframes keep
 * negative times so the player interpolates, or steps, exactly as in the original), written to
 * `dir`. `tracks` replaces whole tracks and `durationS` the length (both in the fast scenario's seconds).
 */
export function fastScenario(name: string, dir: string, o: { speed: number; fromS?: number; tracks?: Record<string, Keyframe[]>; durationS?: number }): string {
  const doc = JSON.parse(readFileSync(join(SCENARIOS, name), 'utf8')) as { dbc: string; durationS: number; tracks: Record<string, Keyframe[]> };
  const from = o.fromS ?? 0;
  const tracks: Record<string, Keyframe[]> = {};
  for (const [sig, kf] of Object.entries(doc.tracks)) {
    tracks[sig] = kf.map(([t, v]): Keyframe => [(t - from) / o.speed, v]);
  }
  Object.assign(tracks, o.tracks);
  const file = join(dir, `fast-${name}`);
  writeFileSync(file, JSON.stringify({ ...doc, dbc: DBC, durationS: o.durationS ?? (doc.durationS - from) / o.speed, tracks }));
  return file;
}

/** The demo car running one sample app from apps/, on a replayed scenario, with cloud sync on a real broker. */
export interface AppCar {
  rt: Runtime;
  host: AppHost;
  rc: RuntimeCloud;
  appId: string;
  dir: string;
  /** Every action-policy decision, in order. */
  decisions: ActionDecision[];
  /** The owner's key pair (kid `owner`, trusted by this car). */
  owner: { privateKey: KeyObject; publicKey: KeyObject };
  /** The owner's phone / the cloud side: an MQTT client on the same broker. */
  phone: MqttClient;
  /** Everything the phone received, in order (`vehicles/#`). */
  inbox: { topic: string; text: string }[];
  logs(): string[];
  /** Sends an `app` remote command to this app signed by the owner (or by `key`); resolves with the car's reply. */
  command(name: string, args: Record<string, unknown>, key?: KeyObject): Promise<Record<string, unknown>>;
  /** Publishes to the app's topic `vehicles/{id}/apps/{appId}/{topic}` as the cloud does. */
  toApp(topic: string, payload: string | object, retain?: boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the demo car's runtime on `scenario` with `app` (a folder of apps/, or an app folder's absolute path) loaded the way
 * `headunit start` loads its apps folder (built with the toolchain, trusted as a system app),
 * cloud sync on `url` (default: the embedded aedes broker), and the driver's consent given to
 * every dangerous permission the app declares.
 */
export async function startAppCar(app: string, scenarioFile: string, o: { url?: string; dir?: string } = {}): Promise<AppCar> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), `app-${basename(app)}-`));
  const owner = prepareDataDir(dir, app);
  const cfg = loadCarConfig(DEFAULT_CONFIG);
  const car = { ...cfg, dataDir: dir, appsDir: join(dir, 'apps'), buses: cfg.buses.map((b) => ({ ...b, feed: { scenario: scenarioFile, loop: false } })) };
  const log = memoryLogger();
  const rt = await Runtime.create(car, log);
  const decisions: ActionDecision[] = [];
  rt.policy.on('decision', (d: ActionDecision) => decisions.push(d));
  const rc = await attachCloud(rt, { url: o.url, dataDir: dir, log: log.child('cloud'), backoff: { initialMs: 100, maxMs: 1000 } });
  const host = await attachApps(rt, { dataDir: dir, log: log.child('apps') });
  linkAppsToCloud(host, rc.cloud);
  const [appId] = [...host.apps.keys()];
  if (!appId) throw new Error(`apps/${app} did not load: ${JSON.stringify(log.lines.filter((l) => l['level'] === 'error'))}`);
  // The driver says yes to every dangerous permission the app asks for.
  for (const p of host.list()[0]!.permissions) if (p.state === 'ask') host.setGrant(appId, p.id, true);
  const { phone, inbox } = await connectPhone(rc.url);
  await until(() => rc.cloud.stats().connected, 10_000, 'cloud connected');
  await until(() => host.metrics()[appId]?.state === 'running', 10_000, `${appId} running`);
  await rt.start();
  return {
    rt, host, rc, appId, dir, decisions, owner, phone, inbox,
    logs: () => host.logs(appId, 1000).map((l) => l.message),
    ...phoneActions(phone, inbox, owner.privateKey, rt.config.vehicleId, appId),
    async close() {
      await phone.endAsync(true);
      await host.stop();
      await rc.close();
      await rt.stop();
      if (!o.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The data folder: a fresh owner key trusted for commands, and a copy of the app (no tests, no dist) as its apps folder. */
function prepareDataDir(dir: string, app: string): AppCar['owner'] {
  const owner = generateKeyPairSync('ed25519');
  mkdirSync(cloudDir(dir), { recursive: true });
  writeFileSync(trustedKeysFile(dir), JSON.stringify([{ kid: 'owner', role: 'owner', publicKey: owner.publicKey.export({ type: 'spki', format: 'pem' }) }]));
  cpSync(resolve(APPS, app), join(dir, 'apps', basename(app)), { recursive: true, filter: (p) => !p.includes('/dist') && !p.endsWith('.test.ts') });
  return owner;
}

/** The owner's phone: an MQTT client on `vehicles/#` keeping everything it receives. */
async function connectPhone(url: string): Promise<{ phone: MqttClient; inbox: AppCar['inbox'] }> {
  const phone = mqtt.connect(url, { clientId: `phone-${process.pid}-${Math.random().toString(36).slice(2, 8)}` });
  await new Promise<void>((resolve, reject) => (phone.once('connect', () => resolve()), phone.once('error', reject)));
  const inbox: AppCar['inbox'] = [];
  phone.on('message', (topic, payload) => inbox.push({ topic, text: payload.toString('utf8') }));
  await phone.subscribeAsync('vehicles/#', { qos: 1 });
  return { phone, inbox };
}

/** What the phone does to the app: signed `app` commands, messages on the app's topics. */
function phoneActions(phone: MqttClient, inbox: AppCar['inbox'], ownerKey: KeyObject, vid: string, appId: string): Pick<AppCar, 'command' | 'toApp'> {
  return {
    async command(name, args, key) {
      const cmd = signCommand(key ?? ownerKey, { kid: 'owner', vehicleId: vid, name: APP_COMMAND, args: { app: appId, name, args } });
      const replyTo = `phone/replies/${Math.random().toString(36).slice(2)}`;
      await phone.subscribeAsync(replyTo, { qos: 1 });
      await phone.publishAsync(`vehicles/${vid}/commands/${APP_COMMAND}`, JSON.stringify({ ...cmd, replyTo }), { qos: 1 });
      await until(() => inbox.some((m) => m.topic === replyTo), 10_000, `reply to ${name}`);
      return JSON.parse(inbox.find((m) => m.topic === replyTo)!.text) as Record<string, unknown>;
    },
    async toApp(topic, payload, retain = false) {
      await phone.publishAsync(`vehicles/${vid}/apps/${appId}/${topic}`, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1, retain });
    },
  };
}

/** Polls `pred` every 20 ms; throws naming `what` after `ms`. */
export async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Messages the phone got on the app's topic `suffix` (envelopes opened: `data` of `{mid, app, timeMs, data}`). */
export function appMessages(car: AppCar, suffix: string): Record<string, unknown>[] {
  const topic = `vehicles/${car.rt.config.vehicleId}/apps/${car.appId}/${suffix}`;
  return car.inbox.filter((m) => m.topic === topic).map((m) => {
    const body = JSON.parse(m.text) as Record<string, unknown>;
    return ('data' in body && 'mid' in body ? body['data'] : body) as Record<string, unknown>;
  });
}
