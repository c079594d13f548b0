import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SHARED_DATA } from '../../test/shared-data.ts';
import { loadDbcFile } from '../formats/dbc/load.ts';
import { CompiledDbc } from './compile.ts';
import { decodeToObject, encodeFromObject } from './object-codec.ts';
import { layoutSignal } from './bit-layout.ts';

interface Vector {
  dbc: string;
  id: number;
  ext: boolean;
  data: string;
  expected: Record<string, number | 'nan'>;
}

const vectors: Vector[] = readFileSync(`${SHARED_DATA}golden/cantools-public.jsonl`, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Vector);

const compiled = new Map<string, CompiledDbc>();
function dbcFor(name: string): CompiledDbc {
  let c = compiled.get(name);
  if (!c) compiled.set(name, (c = new CompiledDbc(loadDbcFile(`${SHARED_DATA}dbc/cantools/${name}`))));
  return c;
}

/** Relative error <= 1e-9 (absolute near zero); NaN equals NaN. */
function close(actual: number | string | undefined, expected: number | 'nan'): boolean {
  if (expected === 'nan') return typeof actual === 'number' && Number.isNaN(actual);
  if (typeof actual !== 'number') return false;
  return actual === expected || Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(expected), 1e-12);
}

test('the golden file has the 5,360 vectors it says', () => {
  assert.is(vectors.length, 5360);
});

test('object decoding agrees with cantools on every vector: same signals, same values', () => {
  const failures: string[] = [];
  for (const v of vectors) {
    const c = dbcFor(v.dbc);
    const mi = c.messageIndex(v.id, v.ext);
    if (mi < 0) {
      failures.push(`${v.dbc} ${v.id}: unknown id`);
      continue;
    }
    const got = decodeToObject(c, mi, Buffer.from(v.data, 'hex')).signals;
    const names = Object.keys(got).sort().join(',');
    if (names !== Object.keys(v.expected).sort().join(',')) failures.push(`${v.dbc} ${v.id} ${v.data}: signals ${names}`);
    for (const [k, e] of Object.entries(v.expected)) if (!close(got[k], e)) failures.push(`${v.dbc} ${v.id} ${v.data} ${k}: ${got[k]} != ${e}`);
  }
  assert.equal(failures.slice(0, 10), []);
});

test('generated slot decoding agrees with cantools on every vector', () => {
  const failures: string[] = [];
  for (const v of vectors) {
    const c = dbcFor(v.dbc);
    const mi = c.messageIndex(v.id, v.ext);
    const slots = c.createSlots();
    const data = Buffer.from(v.data, 'hex');
    c.decodeInto(mi, data, 0, data.length, slots);
    const m = c.messages[mi]!;
    for (const [k, e] of Object.entries(v.expected)) {
      const got = slots[c.slotBase[mi]! + m.signals.findIndex((s) => s.name === k)];
      if (!close(got, e)) failures.push(`${v.dbc} ${v.id} ${v.data} ${k}: ${got} != ${e}`);
    }
  }
  assert.equal(failures.slice(0, 10), []);
});

test('encode(decode(x)) gives back x on the bits the signals cover', () => {
  const failures: string[] = [];
  for (const v of vectors) {
    const c = dbcFor(v.dbc);
    const mi = c.messageIndex(v.id, v.ext);
    const data = Buffer.from(v.data, 'hex');
    const decoded = decodeToObject(c, mi, data).signals;
    const encoded = encodeFromObject(c, mi, decoded, { strict: false });
    const again = decodeToObject(c, mi, encoded).signals;
    // Byte-level: every bit an active signal covers comes back as it was.
    const mask = new Uint8Array(data.length);
    for (const [k, value] of Object.entries(decoded)) {
      const sig = c.messages[mi]!.signals.find((s) => s.name === k)!;
      if ((sig.valueType === 'integer' && sig.length > 53) || Number.isNaN(value)) continue;
      for (const ch of layoutSignal(sig).chunks) mask[ch.byte]! |= ((1 << ch.width) - 1) << ch.lo;
    }
    for (let b = 0; b < data.length; b++) {
      if ((encoded[b]! & mask[b]!) !== (data[b]! & mask[b]!)) failures.push(`${v.dbc} ${v.id} ${v.data}: byte ${b} differs after encode`);
    }
    for (const [k, e] of Object.entries(decoded)) {
      const sig = c.messages[mi]!.signals.find((s) => s.name === k)!;
      // Raw values over 53 bits cannot survive a double exactly; compare those as values.
      const exact = sig.valueType !== 'integer' || sig.length <= 53;
      const same = exact ? Object.is(again[k], e) || again[k] === e : close(again[k] as number, e as number);
      if (!same) failures.push(`${v.dbc} ${v.id} ${v.data} ${k}: ${again[k]} != ${e}`);
    }
  }
  assert.equal(failures.slice(0, 10), []);
});

test.run();
