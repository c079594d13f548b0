import { app, cloud, errors, onVehicleState, storage, ui, vehicle, type CloudCommand, type VehicleState } from '@headunit/sdk';
import { CHARGE_FLOOR_PCT, parseRequest, PRECONDITION_FAN_PCT, refusal, type PreconditionRequest } from './preconditioning.ts';

const CABIN = 'Vehicle.Cabin.HVAC.AmbientAirTemperature';
const TARGET = 'Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature';
const FAN = 'Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed';
const SOC = 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current';
/** One tap on the tile moves the target by this (°C) or the fan by this (%). */
const TEMP_STEP_C = 0.5;
const FAN_STEP_PCT = 10;
/** The twin is updated at most this often for plain value changes (ms); state changes go at once. */
const REPORT_EVERY_MS = 5000;

const car = { cabinC: null as number | null, targetC: null as number | null, fanPct: null as number | null, socPct: null as number | null, drive: null as string | null };
/** The running remote session, if any. */
let session: { targetC: number; untilMs: number; timer: ReturnType<typeof setTimeout> } | null = null;
let lastCommand: Record<string, unknown> | null = storage.get<Record<string, unknown>>('lastCommand');
let lastReportMs = 0;

function showTile(): void {
  const set = car.targetC === null ? '--' : car.targetC.toFixed(1);
  const fan = car.fanPct === null ? '--' : car.fanPct.toFixed(0);
  // At most 4 actions: while pre-conditioning, Stop takes the fan's two.
  const actions = [
    { id: 'temp-down', label: `-${TEMP_STEP_C} °C` },
    { id: 'temp-up', label: `+${TEMP_STEP_C} °C` },
    ...(session ? [{ id: 'stop', label: 'Stop pre-heating' }] : [{ id: 'fan-down', label: 'Fan -' }, { id: 'fan-up', label: 'Fan +' }]),
  ];
  ui.render({
    kind: 'tile',
    title: session ? `Pre-heating to ${session.targetC} °C, fan ${fan} %` : `Climate, set ${set} °C, fan ${fan} %`,
    value: car.cabinC === null ? '--' : car.cabinC.toFixed(1),
    unit: '°C',
    icon: 'thermometer',
    actions,
  });
}

/** Publishes the app's state to its part of the cloud twin (`apps/<id>/state`, retained); at once when `now`, else throttled. */
function report(now = false): void {
  if (!now && Date.now() - lastReportMs < REPORT_EVERY_MS) return;
  lastReportMs = Date.now();
  const state = {
    cabinC: car.cabinC,
    targetC: car.targetC,
    fanPct: car.fanPct,
    drive: car.drive,
    preconditioning: session ? { active: true, targetC: session.targetC, untilMs: session.untilMs } : { active: false },
    lastCommand,
  };
  // Retained: the phone sees the latest state as soon as it subscribes, like the car's own twin.
  cloud.publish('state', state, { retain: true }).catch((err: Error) => console.warn(`twin not updated: ${err.name}: ${err.message}`));
}

/** Asks the action policy; a refusal is logged and returned as its reason. */
async function request(path: string, value: number): Promise<string | null> {
  try {
    await vehicle.set(path, value);
    return null;
  } catch (err) {
    const E = errors();
    const why = err instanceof E.Refused ? err.reason : err instanceof E.HeadunitError ? err.code : String(err);
    console.warn(`${path} = ${value} refused: ${why}: ${(err as Error).message}`);
    return why;
  }
}

function endSession(why: string, fanOff: boolean): void {
  if (!session) return;
  clearTimeout(session.timer);
  session = null;
  console.info(`pre-conditioning ended: ${why}`);
  const done = (): void => {
    showTile();
    report(true);
  };
  if (fanOff) void request(FAN, 0).then(done);
  else done();
}

async function start(r: PreconditionRequest): Promise<Record<string, unknown>> {
  const no = refusal(car.drive, car.socPct, CHARGE_FLOOR_PCT);
  if (no) return { status: 'refused', ...no };
  const refusedBy = (await request(TARGET, r.targetC)) ?? (await request(FAN, PRECONDITION_FAN_PCT));
  if (refusedBy) return { status: 'refused', reason: refusedBy, detail: 'the action policy refused the request' };
  if (session) clearTimeout(session.timer);
  const ms = r.minutes * 60_000;
  const untilMs = Date.now() + ms;
  session = { targetC: r.targetC, untilMs, timer: setTimeout(() => endSession(`${r.minutes} min elapsed`, true), ms) };
  console.info(`pre-conditioning to ${r.targetC} °C for ${r.minutes} min`);
  return { status: 'done', reason: 'OK', detail: `pre-conditioning to ${r.targetC} °C until ${new Date(untilMs).toISOString()}` };
}

async function onCommand(c: CloudCommand): Promise<Record<string, unknown>> {
  const name = c.name.split(/[./]/).pop();
  let result: Record<string, unknown>;
  if (name !== 'precondition') result = { status: 'refused', reason: 'UNKNOWN_COMMAND', detail: `climate knows precondition, not ${c.name}` };
  else {
    const r = parseRequest(c.args);
    if (typeof r === 'string') result = { status: 'refused', reason: 'BAD_ARGS', detail: r };
    else if (!r.on) {
      endSession('the owner switched it off', true);
      result = { status: 'done', reason: 'OK', detail: 'pre-conditioning off' };
    } else result = await start(r);
  }
  lastCommand = { name: c.name, ...(c.id ? { id: c.id } : {}), timeMs: Date.now(), ...result };
  storage.set('lastCommand', lastCommand);
  console.info(`command ${c.name}: ${String(result['status'])} ${String(result['reason'])}`);
  showTile();
  report(true);
  return result;
}

function onAction(id: string): void {
  if (id === 'stop') return endSession('stopped on the screen', true);
  if (id === 'temp-up' || id === 'temp-down') {
    const t = (car.targetC ?? 21) + (id === 'temp-up' ? TEMP_STEP_C : -TEMP_STEP_C);
    void request(TARGET, Math.round(t * 2) / 2);
  } else if (id === 'fan-up' || id === 'fan-down') {
    const f = Math.min(100, Math.max(0, (car.fanPct ?? 0) + (id === 'fan-up' ? FAN_STEP_PCT : -FAN_STEP_PCT)));
    void request(FAN, f);
  }
}

function onState(s: VehicleState): void {
  const was = car.drive;
  car.drive = s.drive;
  // Once someone drives, the car is theirs: the remote session ends, the climate stays as it is.
  if (s.drive === 'driving' && session) endSession('the car is being driven', false);
  if (was !== s.drive) report(true);
}

app.onStart(() => {
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const watch = (path: string, key: 'cabinC' | 'targetC' | 'fanPct' | 'socPct'): void => {
    vehicle.subscribe(path, (v) => {
      car[key] = num(v);
      if (key !== 'socPct') showTile();
      report();
    });
  };
  watch(CABIN, 'cabinC');
  watch(TARGET, 'targetC');
  watch(FAN, 'fanPct');
  watch(SOC, 'socPct');
  onVehicleState(onState);
  ui.onAction((a) => onAction(a.id));
  cloud.onCommand(onCommand);
  showTile();
});
