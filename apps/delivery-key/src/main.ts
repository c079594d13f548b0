import { app, cloud, crypto, errors, storage, vehicle, type CloudCommand } from '@headunit/sdk';
import { parseKey, signedText, type DeliveryKey, type KeyRefusal } from './delivery-key.ts';

const TRUNK_OPEN = 'Vehicle.Body.Trunk.Rear.IsOpen';
const LOCKED = 'Vehicle.Cabin.Door.Row1.DriverSide.IsLocked';
/** After the unlock the courier has at most this long (ms, and never past the key's expiry) before the car locks again. */
const OPEN_FOR_MS = 10 * 60_000;

/** The owner's pairing: their public key for delivery keys and this car's id (set by a signed `pair` command). */
interface Owner {
  publicKey: string;
  vehicleId: string;
}
/** A delivery in progress. */
interface Delivery {
  key: DeliveryKey;
  sawOpen: boolean;
  timer: ReturnType<typeof setTimeout>;
}

const car = { trunkOpen: null as boolean | null, locked: null as boolean | null };
let active: Delivery | null = null;

/** Every step: in the ledger (the driver's audit record) and to the owner's phone. */
function step(name: string, key: Pick<DeliveryKey, 'keyId' | 'courier'> | null, detail: Record<string, unknown> = {}): void {
  const entry = { step: name, keyId: key?.keyId ?? null, courier: key?.courier ?? null, ...detail };
  app.audit(`delivery ${name}`, entry);
  console.info(`delivery ${name} ${key?.keyId ?? ''} ${JSON.stringify(detail)}`);
  cloud.publish('delivery/events', { ...entry, timeMs: Date.now() }).catch((err: Error) => console.warn(`owner not told about ${name}: ${err.message}`));
}

/** Keys already used, with their expiry (entries past it are forgotten: such a key is refused as expired anyway). */
function used(): Record<string, number> {
  const u = storage.get<Record<string, number>>('used') ?? {};
  const now = Date.now();
  for (const [id, exp] of Object.entries(u)) if (exp < now) delete u[id];
  return u;
}

/** The checks, in order; the first failure is the answer. */
function check(key: DeliveryKey): { reason: KeyRefusal; detail: string } | null {
  const owner = storage.get<Owner>('owner');
  const now = Date.now();
  if (!owner) return { reason: 'NOT_PAIRED', detail: 'no owner key: the owner pairs with a signed pair command first' };
  if (!crypto.verifyEd25519(owner.publicKey, signedText(key), key.sig)) return { reason: 'BAD_SIGNATURE', detail: "the signature is not the owner's" };
  if (key.vehicleId !== owner.vehicleId) return { reason: 'WRONG_VEHICLE', detail: `the key is for ${key.vehicleId}` };
  if (now < key.notBeforeMs) return { reason: 'NOT_YET_VALID', detail: `valid from ${new Date(key.notBeforeMs).toISOString()}` };
  if (now >= key.expMs) return { reason: 'EXPIRED', detail: `expired ${Math.round((now - key.expMs) / 1000)} s ago` };
  if (used()[key.keyId] !== undefined) return { reason: 'ALREADY_USED', detail: 'a delivery key opens the trunk once' };
  if (active) return { reason: 'BUSY', detail: `delivery ${active.key.keyId} is in progress` };
  const drive = vehicle.state()?.drive;
  if (drive !== 'parked' && drive !== 'off') return { reason: 'NOT_PARKED', detail: `the car is ${drive ?? 'in an unknown state'}` };
  if (car.locked !== true) return { reason: 'NOT_LOCKED', detail: 'the car must be locked' };
  return null;
}

async function request(path: string, value: boolean): Promise<string | null> {
  try {
    await vehicle.set(path, value);
    return null;
  } catch (err) {
    const E = errors();
    return err instanceof E.Refused ? err.reason : err instanceof E.HeadunitError ? err.code : String(err);
  }
}

async function relock(why: 'trunk-closed' | 'timed-out'): Promise<void> {
  const d = active;
  if (!d) return;
  clearTimeout(d.timer);
  active = null;
  const refused = await request(LOCKED, true);
  if (refused) step('relock-failed', d.key, { why, reason: refused });
  else step('relocked', d.key, { why, trunkOpen: car.trunkOpen });
}

async function onKey(payload: string): Promise<void> {
  const key = parseKey(payload);
  if (typeof key === 'string') return step('refused', null, { reason: 'MALFORMED', detail: key });
  const no = check(key);
  if (no) return step('refused', key, no);
  // Used from this moment: a crash or a second message cannot open the trunk again.
  storage.set('used', { ...used(), [key.keyId]: key.expMs });
  const ms = Math.min(OPEN_FOR_MS, key.expMs - Date.now());
  active = { key, sawOpen: false, timer: setTimeout(() => void relock('timed-out'), ms) };
  step('accepted', key, { openForMs: ms });
  const refused = await request(TRUNK_OPEN, true);
  if (refused) {
    step('unlock-refused', key, { reason: refused });
    return relock('timed-out');
  }
  step('unlock-requested', key);
}

function onTrunk(open: boolean | null): void {
  const was = car.trunkOpen;
  car.trunkOpen = open;
  if (!active || open === was) return;
  if (open) {
    active.sawOpen = true;
    step('trunk-opened', active.key);
  } else if (open === false && active.sawOpen) {
    step('trunk-closed', active.key);
    void relock('trunk-closed');
  }
}

function onCommand(c: CloudCommand): Record<string, unknown> {
  if (c.name.split(/[./]/).pop() !== 'pair') return { status: 'refused', reason: 'UNKNOWN_COMMAND', detail: 'delivery-key knows pair' };
  const { publicKey, vehicleId } = c.args as Partial<Owner>;
  if (typeof publicKey !== 'string' || typeof vehicleId !== 'string') return { status: 'refused', reason: 'BAD_ARGS', detail: 'pair needs {publicKey, vehicleId}' };
  storage.set('owner', { publicKey, vehicleId });
  step('paired', null, { vehicleId });
  return { status: 'done', reason: 'OK', detail: 'delivery keys signed by this key are accepted' };
}

app.onStart(() => {
  vehicle.subscribe(TRUNK_OPEN, (v) => onTrunk(typeof v === 'boolean' ? v : null));
  vehicle.subscribe(LOCKED, (v) => (car.locked = typeof v === 'boolean' ? v : null));
  cloud.onCommand(onCommand);
  cloud.subscribe('delivery/key', (p) => void onKey(p)).catch((err: Error) => console.warn(`no delivery keys: ${err.message}`));
});
