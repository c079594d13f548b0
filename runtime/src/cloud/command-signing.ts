import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';

/** Who signed a command: the car's owner (their phone) or the fleet operator. */
export type SignerRole = 'owner' | 'fleet';

/** A public key the car trusts for commands. */
export interface TrustedKey {
  kid: string;
  role: SignerRole;
  publicKey: KeyObject;
}

/**
 * A signed command, the JSON payload on `vehicles/{id}/commands/{name}`:
 *
 * ```json
 * {"args":{"on":true,"targetC":21},"exp":1764619260000,"nonce":"3q2+7w...","kid":"owner-phone",
 *  "sig":"base64 ed25519 signature","replyTo":"optional, for MQTT 3.1.1","corr":"optional"}
 * ```
 */
export interface SignedCommand {
  args: Record<string, unknown>;
  /** Refused after this time (ms since the epoch). */
  exp: number;
  /** Unique per command (>= 16 random bytes recommended); a second use is a replay. */
  nonce: string;
  kid: string;
  sig: string;
  replyTo?: string;
  corr?: string;
}

/** Sorted-key JSON: the same bytes for the same value, whoever serialised it. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The bytes a signature covers: a version tag, the vehicle id and the command name (so a
 * command cannot be replayed to another car or as another command), expiry, nonce, key id and
 * the canonical arguments. `replyTo` and `corr` are routing, not covered.
 */
export function signingBytes(vehicleId: string, name: string, c: Pick<SignedCommand, 'args' | 'exp' | 'nonce' | 'kid'>): Buffer {
  return Buffer.from(['headunit-command-v1', vehicleId, name, String(c.exp), c.nonce, c.kid, canonicalJson(c.args)].join('\n'), 'utf8');
}

/** Signs a command with an ed25519 private key (the owner's phone, the fleet backend, the CLI). */
export function signCommand(
  key: KeyObject,
  o: { kid: string; vehicleId: string; name: string; args?: Record<string, unknown>; ttlMs?: number; nowMs?: number; nonce?: string; replyTo?: string },
): SignedCommand {
  const body = { args: o.args ?? {}, exp: (o.nowMs ?? Date.now()) + (o.ttlMs ?? 60_000), nonce: o.nonce ?? randomBytes(16).toString('base64url'), kid: o.kid };
  const sig = sign(null, signingBytes(o.vehicleId, o.name, body), key).toString('base64');
  return { ...body, sig, ...(o.replyTo ? { replyTo: o.replyTo } : {}) };
}

/** True when `sig` is a valid ed25519 signature of the command by `key`. */
export function verifyCommand(key: KeyObject, vehicleId: string, name: string, c: SignedCommand): boolean {
  try {
    return verify(null, signingBytes(vehicleId, name, c), key, Buffer.from(c.sig, 'base64'));
  } catch {
    return false;
  }
}

/** A new ed25519 key pair as PEM (PKCS#8 private, SPKI public). */
export function generateSigningKey(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** Reads an ed25519 private key (PEM). @throws ConfigError */
export function readPrivateKey(file: string): KeyObject {
  try {
    const k = createPrivateKey(readFileSync(file));
    if (k.asymmetricKeyType !== 'ed25519') throw new Error(`an ${k.asymmetricKeyType} key, expected ed25519`);
    return k;
  } catch (err) {
    throw new ConfigError(file, '$', `cannot read an ed25519 private key: ${(err as Error).message}`);
  }
}

/**
 * Reads the trusted keys file: `[{"kid": "...", "role": "owner"|"fleet", "publicKey": "PEM"}]`.
 * A missing file means no key is trusted (every command is refused).
 * @throws ConfigError naming the entry.
 */
export function loadTrustedKeys(file: string): TrustedKey[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, '$', `not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc)) throw new ConfigError(file, '$', 'expected an array of {kid, role, publicKey}');
  return doc.map((e: { kid?: unknown; role?: unknown; publicKey?: unknown }, i) => {
    if (typeof e?.kid !== 'string' || (e.role !== 'owner' && e.role !== 'fleet') || typeof e.publicKey !== 'string') {
      throw new ConfigError(file, `$[${i}]`, 'expected {"kid": string, "role": "owner" | "fleet", "publicKey": PEM}');
    }
    try {
      return { kid: e.kid, role: e.role, publicKey: createPublicKey(e.publicKey) };
    } catch (err) {
      throw new ConfigError(file, `$[${i}].publicKey`, (err as Error).message);
    }
  });
}
