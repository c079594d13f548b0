import { app, cloud, storage, ui, vehicle } from '@headunit/sdk';
import { Geofence, type Fence } from './geofence.ts';
import { command, parseAvailability, parseState, type LightCommand } from './ha-light.ts';

const LAT = 'Vehicle.CurrentLocation.Latitude';
const LON = 'Vehicle.CurrentLocation.Longitude';
/** The light's topics below the app's cloud prefix (configure the same ones in Home Assistant). */
const TOPIC = { set: 'home/light/set', state: 'home/light/state', availability: 'home/light/availability', config: 'home/config' } as const;
/** A command waiting for the light to come back online is dropped after this long (ms). */
const PENDING_MAX_MS = 10 * 60_000;

/** The demo car's home, 150 m around it, and 100 m of hysteresis. */
const DEFAULT_FENCE: Fence = { lat: 48.1771, lon: 11.5562, radiusM: 150, hysteresisM: 100 };

const fence = new Geofence({ ...DEFAULT_FENCE, ...(storage.get<Partial<Fence>>('fence') ?? {}) });
const light = { available: null as boolean | null, on: null as boolean | null };
const pos = { lat: null as number | null, lon: null as number | null };
let pending: { cmd: LightCommand; atMs: number } | null = null;

function showTile(): void {
  const value = pending ? 'Waiting' : light.available === false ? 'Offline' : light.on === null ? '--' : light.on ? 'On' : 'Off';
  const where = fence.presence === 'unknown' ? '' : fence.presence === 'inside' ? ' (car at home)' : ' (car away)';
  ui.render({
    kind: 'tile',
    title: `Home lights${where}`,
    value,
    icon: 'lightbulb',
    actions: [
      { id: 'on', label: 'Lights on' },
      { id: 'off', label: 'Lights off' },
    ],
  });
}

/** Sends a command in the light's own JSON (raw: no envelope), or keeps it until the light is online. */
function send(cmd: LightCommand, why: string): void {
  if (light.available === false) {
    pending = { cmd, atMs: Date.now() };
    console.warn(`light offline: ${cmd.state} (${why}) sent when it is back`);
    return showTile();
  }
  pending = null;
  cloud.publish(TOPIC.set, cmd, { raw: true }).then(
    () => console.info(`light ${cmd.state} (${why})`),
    (err: Error) => console.warn(`light ${cmd.state} not sent: ${err.name}: ${err.message}`),
  );
  showTile();
}

function onPosition(): void {
  if (pos.lat === null || pos.lon === null) return;
  const was = fence.presence;
  const crossing = fence.update(pos.lat, pos.lon);
  if (crossing === 'arrived') send(command(true, 255, 2), 'arrived home');
  else if (crossing === 'left') send(command(false, undefined, 2), 'left home');
  else if (was !== fence.presence) showTile();
}

function onAvailability(payload: string): void {
  const a = parseAvailability(payload);
  if (a === null) return console.warn(`availability: ${payload} is neither online nor offline`);
  light.available = a;
  if (a && pending) {
    if (Date.now() - pending.atMs <= PENDING_MAX_MS) send(pending.cmd, 'light back online');
    pending = null;
  }
  showTile();
}

function onState(payload: string): void {
  const s = parseState(payload);
  if (!s) return console.warn(`state: not a JSON-schema light state: ${payload.slice(0, 80)}`);
  light.on = s.state === 'ON';
  showTile();
}

function onConfig(payload: string): void {
  let c: Partial<Fence>;
  try {
    c = JSON.parse(payload) as Partial<Fence>;
  } catch {
    return console.warn('home/config is not JSON');
  }
  const ok = (v: unknown, lo: number, hi: number): boolean => v === undefined || (typeof v === 'number' && v >= lo && v <= hi);
  if (!ok(c.lat, -90, 90) || !ok(c.lon, -180, 180) || !ok(c.radiusM, 20, 5000) || !ok(c.hysteresisM, 0, 1000)) return console.warn('home/config: lat, lon, radiusM (20..5000), hysteresisM (0..1000)');
  fence.fence = { ...fence.fence, ...c };
  fence.presence = 'unknown';
  storage.set('fence', fence.fence);
  console.info(`home at ${fence.fence.lat}, ${fence.fence.lon} (${fence.fence.radiusM} m)`);
}

app.onStart(() => {
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  vehicle.subscribe(LAT, (v) => (pos.lat = num(v)));
  vehicle.subscribe(LON, (v) => {
    pos.lon = num(v);
    onPosition();
  });
  ui.onAction((a) => {
    if (a.id === 'on' || a.id === 'off') send(command(a.id === 'on', a.id === 'on' ? 255 : undefined), 'on the screen');
  });
  const warn = (what: string) => (err: Error) => console.warn(`cannot subscribe to ${what}: ${err.message}`);
  cloud.subscribe(TOPIC.state, onState).catch(warn(TOPIC.state));
  cloud.subscribe(TOPIC.availability, onAvailability).catch(warn(TOPIC.availability));
  cloud.subscribe(TOPIC.config, onConfig).catch(warn(TOPIC.config));
  showTile();
});
