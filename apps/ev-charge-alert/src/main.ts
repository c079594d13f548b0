import { app, cloud, notify, storage, ui, vehicle } from '@headunit/sdk';
import { distanceM, nearest } from './geo.ts';
import { applyConfig, DEFAULTS, RESERVE_M, ROAD_FACTOR, THRESHOLD_MAX_PCT, THRESHOLD_MIN_PCT, THRESHOLD_STEP_PCT, type Settings } from './settings.ts';

const SOC = 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current';
const RANGE = 'Vehicle.Powertrain.Range';
const LAT = 'Vehicle.CurrentLocation.Latitude';
const LON = 'Vehicle.CurrentLocation.Longitude';
/** An alert must fit a tweet (characters). */
const MAX_ALERT_CHARS = 140;
/** How long an alert stays on the app's card before the tile returns (ms). */
const ALERT_SHOWN_MS = 30_000;
/** Above the threshold by this much (%) the low-charge alert re-arms. */
const REARM_PCT = 1;
/** Within this distance of home (m) the way home is not checked. */
const AT_HOME_M = 500;

let settings: Settings = { ...DEFAULTS, ...(storage.get<Partial<Settings>>('settings') ?? {}) };
const car = { soc: null as number | null, rangeM: null as number | null, lat: null as number | null, lon: null as number | null };
const armed = { low: true, range: true };
let alertShownUntil = 0;

function save(next: Settings): void {
  settings = next;
  storage.set('settings', settings);
  showTile();
}

function showTile(): void {
  if (Date.now() < alertShownUntil) return;
  ui.render({
    kind: 'tile',
    title: `Charge (alert below ${settings.thresholdPct} %)`,
    value: car.soc === null ? '--' : car.soc.toFixed(0),
    unit: '%',
    icon: 'battery',
    actions: [
      { id: 'lower', label: `-${THRESHOLD_STEP_PCT} %` },
      { id: 'raise', label: `+${THRESHOLD_STEP_PCT} %` },
      { id: 'share', label: settings.shareWithFamily ? 'Family sharing: on' : 'Family sharing: off' },
    ],
  });
}

/** "Nearest: A 0.4 km, B 2.2 km" with as many chargers as fit in `room` characters. */
function chargersText(room: number): { text: string; names: { name: string; km: number }[] } {
  if (car.lat === null || car.lon === null) return { text: '', names: [] };
  const near = nearest(settings.chargers, car.lat, car.lon, 3).map((c) => ({ name: c.name, km: Math.round(c.distanceM / 100) / 10 }));
  let text = 'Nearest:';
  const used: { name: string; km: number }[] = [];
  for (const c of near) {
    const part = `${used.length ? ',' : ''} ${c.name} ${c.km} km`;
    if (text.length + part.length > room) break;
    text += part;
    used.push(c);
  }
  return { text: used.length ? text : '', names: used };
}

function raise(kind: 'low-charge' | 'range', headline: string): void {
  const chargers = chargersText(MAX_ALERT_CHARS - headline.length - 1);
  const text = chargers.text ? `${headline} ${chargers.text}` : headline;
  alertShownUntil = Date.now() + ALERT_SHOWN_MS;
  ui.render({ kind: 'alert', title: kind === 'range' ? 'Not enough range' : 'Charge low', body: text, level: 'warning' });
  setTimeout(showTile, ALERT_SHOWN_MS);
  notify({ title: kind === 'range' ? 'Not enough range to get home' : 'Charge low', body: text, level: 'warning' });
  console.info(`alert ${kind}: ${text}`);
  if (!settings.shareWithFamily) return;
  const msg = { kind, text, socPct: car.soc, rangeKm: car.rangeM === null ? null : Math.round(car.rangeM / 1000), chargers: chargers.names };
  cloud.publish('alert', msg).then(
    () => console.info(`shared ${kind} alert with family`),
    (err: Error) => console.warn(`could not share the alert: ${err.name}: ${err.message}`),
  );
}

function checkLowCharge(): void {
  if (car.soc === null) return;
  if (car.soc >= settings.thresholdPct + REARM_PCT) armed.low = true;
  if (car.soc < settings.thresholdPct && armed.low) {
    armed.low = false;
    raise('low-charge', `Battery at ${car.soc.toFixed(1)} %, below your ${settings.thresholdPct} %.`);
  }
}

function checkWayHome(): void {
  if (car.rangeM === null || car.lat === null || car.lon === null) return;
  const straight = distanceM(car.lat, car.lon, settings.home.lat, settings.home.lon);
  if (straight < AT_HOME_M) return;
  const needM = straight * ROAD_FACTOR + RESERVE_M;
  if (car.rangeM >= needM * 1.1) armed.range = true;
  if (car.rangeM < needM && armed.range) {
    armed.range = false;
    raise('range', `Range ${Math.round(car.rangeM / 1000)} km, ~${Math.round(needM / 1000)} km needed to get ${settings.home.name.toLowerCase()}.`);
  }
}

function onAction(id: string): void {
  const step = id === 'lower' ? -THRESHOLD_STEP_PCT : id === 'raise' ? THRESHOLD_STEP_PCT : 0;
  if (step !== 0) {
    const t = Math.min(THRESHOLD_MAX_PCT, Math.max(THRESHOLD_MIN_PCT, settings.thresholdPct + step));
    armed.low = true;
    save({ ...settings, thresholdPct: t });
    checkLowCharge();
  } else if (id === 'share') {
    save({ ...settings, shareWithFamily: !settings.shareWithFamily });
    console.info(`family sharing ${settings.shareWithFamily ? 'on' : 'off'}`);
  }
}

function onConfig(payload: unknown): void {
  let msg: unknown = payload;
  try {
    if (typeof payload === 'string') msg = JSON.parse(payload);
  } catch {
    return console.warn('config is not JSON; ignored');
  }
  const next = applyConfig(settings, msg);
  if (typeof next === 'string') return console.warn(`config refused: ${next}`);
  armed.range = true;
  save(next);
  console.info(`config applied: home ${settings.home.name}, ${settings.chargers.length} chargers, alert below ${settings.thresholdPct} %`);
}

app.onStart(() => {
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  vehicle.subscribe(SOC, (v) => {
    car.soc = num(v);
    checkLowCharge();
    showTile();
  });
  vehicle.subscribe(RANGE, (v) => {
    car.rangeM = num(v);
    checkWayHome();
  });
  vehicle.subscribe(LAT, (v) => (car.lat = num(v)));
  vehicle.subscribe(LON, (v) => {
    car.lon = num(v);
    checkWayHome();
  });
  ui.onAction((a) => onAction(a.id));
  cloud.subscribe('config', onConfig).catch((err: Error) => console.warn(`no configuration from the phone: ${err.message}`));
  showTile();
});
