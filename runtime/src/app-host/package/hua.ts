import { createHash, type KeyObject } from 'node:crypto';
import { PackageError } from '../errors.ts';
import { fingerprint, publicDer, signBytes, verifyBytes } from './signing.ts';

/**
 * The `.hua` app archive (headunit app), version 1. Big-endian lengths; all JSON is UTF-8.
 *
 * ```
 * offset      size  field
 * 0           4     magic "HUA1"
 * 4           4     N: length of the index
 * 8           N     index JSON {"format":1,"id","version","files":[{"path","size","sha256"}]}
 * 8+N         4     S: length of the signature block
 * 12+N        S     signature JSON {"alg":"ed25519","publicKey":<base64 SPKI DER>,"signature":<base64>}
 * 12+N+S      ...   file bodies, concatenated in index order, nothing after the last
 * ```
 *
 * The signature covers bytes 0 .. 8+N (magic, length, index); the index holds each file's
 * SHA-256, so changing any byte anywhere is detected. `app.json` and `app.js` are required.
 */
export const HUA_MAGIC = 'HUA1';
/** Largest archive accepted (bytes). */
export const MAX_HUA_BYTES = 16 * 1024 * 1024;
/** Largest index or signature block (bytes). */
const MAX_BLOCK_BYTES = 256 * 1024;

export interface HuaFileEntry {
  path: string;
  size: number;
  sha256: string;
}

export interface HuaIndex {
  format: 1;
  id: string;
  version: string;
  files: HuaFileEntry[];
}

/** A verified archive: the files, and who signed it. */
export interface HuaArchive {
  index: HuaIndex;
  files: Map<string, Buffer>;
  publicKeyDer: Buffer;
  fingerprint: string;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const SAFE_PATH = /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._\-/]+$/;

/** Builds and signs an archive from `files` (path → bytes; must hold app.json and app.js). */
export function packHua(id: string, version: string, files: Map<string, Buffer>, key: KeyObject): Buffer {
  const entries = [...files].map(([path, data]) => ({ path, size: data.length, sha256: sha(data) }));
  const index = Buffer.from(JSON.stringify({ format: 1, id, version, files: entries } satisfies HuaIndex));
  const head = Buffer.alloc(8);
  head.write(HUA_MAGIC, 0, 'latin1');
  head.writeUInt32BE(index.length, 4);
  const signed = Buffer.concat([head, index]);
  const sig = Buffer.from(JSON.stringify({ alg: 'ed25519', publicKey: publicDer(key).toString('base64'), signature: signBytes(key, signed).toString('base64') }));
  const sigLen = Buffer.alloc(4);
  sigLen.writeUInt32BE(sig.length, 0);
  return Buffer.concat([signed, sigLen, sig, ...files.values()]);
}

/**
 * Parses and verifies an archive: structure, signature, every file's size and hash.
 * @throws PackageError (BAD_MAGIC, TRUNCATED, BAD_INDEX, BAD_SIGNATURE, HASH_MISMATCH) with the byte offset.
 */
export function readHua(buf: Buffer, file: string): HuaArchive {
  const fail = (reason: string, msg: string, offset: number): never => {
    throw new PackageError(file, reason, msg, offset);
  };
  if (buf.length > MAX_HUA_BYTES) fail('TRUNCATED', `archive is ${buf.length} bytes; the limit is ${MAX_HUA_BYTES}`, 0);
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== HUA_MAGIC) fail('BAD_MAGIC', 'not a .hua archive (magic "HUA1" missing)', 0);
  const n = buf.readUInt32BE(4);
  if (n > MAX_BLOCK_BYTES || 12 + n > buf.length) fail('TRUNCATED', `index length ${n} runs past the end`, 4);
  const index = parseBlock<HuaIndex>(buf, 8, n, file, 'index');
  const s = buf.readUInt32BE(8 + n);
  if (s > MAX_BLOCK_BYTES || 12 + n + s > buf.length) fail('TRUNCATED', `signature length ${s} runs past the end`, 8 + n);
  const sig = parseBlock<{ alg?: unknown; publicKey?: unknown; signature?: unknown }>(buf, 12 + n, s, file, 'signature block');
  if (sig.alg !== 'ed25519' || typeof sig.publicKey !== 'string' || typeof sig.signature !== 'string') fail('BAD_SIGNATURE', 'signature block needs alg ed25519, publicKey, signature', 12 + n);
  const pub = Buffer.from(sig.publicKey as string, 'base64');
  if (!verifyBytes(pub, buf.subarray(0, 8 + n), Buffer.from(sig.signature as string, 'base64'))) fail('BAD_SIGNATURE', 'the signature does not match the index (tampered or re-packed without signing)', 12 + n);
  checkIndex(index, file);
  const files = new Map<string, Buffer>();
  let at = 12 + n + s;
  for (const e of index.files) {
    if (at + e.size > buf.length) fail('TRUNCATED', `${e.path} (${e.size} bytes) runs past the end`, at);
    const data = buf.subarray(at, at + e.size);
    if (sha(data) !== e.sha256) fail('HASH_MISMATCH', `${e.path} does not match its SHA-256 in the signed index`, at);
    files.set(e.path, Buffer.from(data));
    at += e.size;
  }
  if (at !== buf.length) fail('TRUNCATED', `${buf.length - at} stray bytes after the last file`, at);
  return { index, files, publicKeyDer: pub, fingerprint: fingerprint(pub) };
}

function parseBlock<T>(buf: Buffer, at: number, len: number, file: string, what: string): T {
  try {
    const v = JSON.parse(buf.toString('utf8', at, at + len)) as unknown;
    if (typeof v !== 'object' || v === null) throw new Error('not an object');
    return v as T;
  } catch (err) {
    throw new PackageError(file, 'BAD_INDEX', `${what} is not JSON: ${(err as Error).message}`, at);
  }
}

function checkIndex(ix: HuaIndex, file: string): void {
  const bad = (msg: string): never => {
    throw new PackageError(file, 'BAD_INDEX', msg, 8);
  };
  if (ix.format !== 1 || typeof ix.id !== 'string' || typeof ix.version !== 'string' || !Array.isArray(ix.files)) bad('index needs format 1, id, version, files');
  const seen = new Set<string>();
  for (const e of ix.files) {
    if (typeof e?.path !== 'string' || !SAFE_PATH.test(e.path) || !Number.isInteger(e.size) || e.size < 0 || typeof e.sha256 !== 'string') bad(`bad file entry ${JSON.stringify(e)}`);
    if (seen.has(e.path)) bad(`${e.path} is listed twice`);
    seen.add(e.path);
  }
  for (const need of ['app.json', 'app.js']) if (!seen.has(need)) bad(`the archive has no ${need}`);
}
