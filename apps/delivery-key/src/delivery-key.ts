/**
 * A delivery key: the owner's phone signs it (ed25519) for one courier and one time window.
 *
 * ```json
 * {"v":1,"keyId":"dk-7f3a","vehicleId":"demo-ev-0001","courier":"Parcel Co. #4711",
 *  "notBeforeMs":1764619200000,"expMs":1764621000000,"sig":"base64 ed25519 signature"}
 * ```
 *
 * The signature covers `signedText(key)`: a version tag and every field but `sig`, one a line,
 * so a key cannot be moved to another car, courier or window.
 */
export interface DeliveryKey {
  v: 1;
  keyId: string;
  vehicleId: string;
  courier: string;
  notBeforeMs: number;
  expMs: number;
  sig: string;
}

/** Longest window a key may open (ms): a day. */
export const MAX_KEY_WINDOW_MS = 24 * 3600_000;

/** The exact text the owner signs. */
export function signedText(k: Omit<DeliveryKey, 'sig'>): string {
  return ['headunit-delivery-key-v1', k.vehicleId, k.keyId, k.courier, String(k.notBeforeMs), String(k.expMs)].join('\n');
}

/** Why a key is refused: the reason code the owner and the ledger see. */
export type KeyRefusal = 'MALFORMED' | 'NOT_PAIRED' | 'BAD_SIGNATURE' | 'WRONG_VEHICLE' | 'NOT_YET_VALID' | 'EXPIRED' | 'ALREADY_USED' | 'NOT_PARKED' | 'NOT_LOCKED' | 'BUSY';

/** Reads a key from a message; a string says what is wrong with it. */
export function parseKey(payload: unknown): DeliveryKey | string {
  let doc: unknown = payload;
  if (typeof payload === 'string') {
    try {
      doc = JSON.parse(payload);
    } catch {
      return 'not JSON';
    }
  }
  const k = doc as Partial<DeliveryKey> | null;
  if (typeof k !== 'object' || k === null) return 'not an object';
  if (k.v !== 1) return 'v must be 1';
  for (const f of ['keyId', 'vehicleId', 'courier', 'sig'] as const) if (typeof k[f] !== 'string' || k[f] === '') return `${f} must be a non-empty string`;
  if (!/^[A-Za-z0-9_-]{4,64}$/.test(k.keyId!)) return 'keyId must be 4-64 letters, digits, - or _';
  for (const f of ['notBeforeMs', 'expMs'] as const) if (typeof k[f] !== 'number' || !Number.isFinite(k[f])) return `${f} must be a time (ms since the epoch)`;
  if (k.expMs! <= k.notBeforeMs!) return 'expMs must be after notBeforeMs';
  if (k.expMs! - k.notBeforeMs! > MAX_KEY_WINDOW_MS) return 'the window is longer than a day';
  return k as DeliveryKey;
}
