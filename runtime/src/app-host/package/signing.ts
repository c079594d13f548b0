import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PackageError } from '../errors.ts';

/** Folder under the data folder holding trusted publisher keys (`*.pub`, SPKI PEM). */
export const TRUSTED_KEYS_DIR = 'trusted-publishers';

/** A short, stable name for a public key: the first 16 bytes of SHA-256 over its SPKI DER, hex. */
export function fingerprint(spkiDer: Buffer): string {
  return createHash('sha256').update(spkiDer).digest('hex').slice(0, 32);
}

/**
 * Makes an ed25519 key pair: the private key (PKCS#8 PEM, mode 0600) at `file`, the public key
 * (SPKI PEM) at `file.pub`. Refuses to overwrite an existing key.
 * @returns the public key's fingerprint.
 */
export function generateSigningKey(file: string): { fingerprint: string; publicFile: string } {
  if (existsSync(file)) throw new PackageError(file, 'BAD_KEY', 'a key is already there; choose another --out');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(`${file}.pub`, publicKey.export({ type: 'spki', format: 'pem' }));
  return { fingerprint: fingerprint(publicKey.export({ type: 'spki', format: 'der' })), publicFile: `${file}.pub` };
}

/** Reads an ed25519 private key (PEM). @throws PackageError BAD_KEY */
export function loadPrivateKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(file));
  } catch (err) {
    throw new PackageError(file, 'BAD_KEY', `not a private key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new PackageError(file, 'BAD_KEY', `an ${key.asymmetricKeyType} key; app signing uses ed25519 (headunit app keygen)`);
  return key;
}

/** Signs bytes with ed25519. */
export function signBytes(key: KeyObject, data: Buffer): Buffer {
  return sign(null, data, key);
}

/** Verifies an ed25519 signature made by the SPKI DER public key. */
export function verifyBytes(spkiDer: Buffer, data: Buffer, signature: Buffer): boolean {
  try {
    return verify(null, data, createPublicKey({ key: spkiDer, format: 'der', type: 'spki' }), signature);
  } catch {
    return false;
  }
}

/** The SPKI DER of a private key's public half. */
export function publicDer(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: 'spki', format: 'der' });
}

/** Fingerprints of the trusted publisher keys in `<dataDir>/trusted-publishers/*.pub`. */
export function trustedFingerprints(dataDir: string): Set<string> {
  const dir = join(dataDir, TRUSTED_KEYS_DIR);
  const out = new Set<string>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.pub'))) {
    try {
      out.add(fingerprint(createPublicKey(readFileSync(join(dir, f))).export({ type: 'spki', format: 'der' })));
    } catch (err) {
      throw new PackageError(join(dir, f), 'BAD_KEY', `not a public key: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Adds a publisher's public key (PEM file) to the trusted ones; returns its fingerprint. */
export function trustPublisher(dataDir: string, publicKeyFile: string): string {
  let der: Buffer;
  try {
    der = createPublicKey(readFileSync(publicKeyFile)).export({ type: 'spki', format: 'der' });
  } catch (err) {
    throw new PackageError(publicKeyFile, 'BAD_KEY', `not a public key: ${(err as Error).message}`);
  }
  const fp = fingerprint(der);
  mkdirSync(join(dataDir, TRUSTED_KEYS_DIR), { recursive: true });
  writeFileSync(join(dataDir, TRUSTED_KEYS_DIR, `${fp}.pub`), readFileSync(publicKeyFile));
  return fp;
}
