import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { realDbcFiles, SHARED_DATA } from '../../test/shared-data.ts';
import { randomFrameStream, FRAME_STRIDE } from '../bench/frame-stream.ts';
import { FrameEncodeError } from '../errors.ts';
import { loadDbcFile, parseDbc } from '../formats/dbc/load.ts';
import { CompiledDbc, DECODE_OK, DECODE_TRUNCATED } from './compile.ts';
import { generateDecoderBody, generateEncoderBody } from './generate.ts';
import { interpret } from './interpret.ts';
import { decodeToObject, encodeFromObject } from './object-codec.ts';

test('generated decoders agree with the reference interpreter on random frames of every real DBC', () => {
  const failures: string[] = [];
  for (const file of realDbcFiles()) {
    const db = loadDbcFile(file);
    if (!db.messages.some((m) => m.signals.length > 0)) continue;
    const c = new CompiledDbc(db);
    const st = randomFrameStream(db, 400, 7);
    const fast = c.createSlots();
    for (let k = 0; k < st.count; k++) {
      const mi = c.messageIndex(st.ids[k]!, st.extended[k] === 1);
      const plan = c.plans[mi]!;
      const o = k * FRAME_STRIDE;
      fast.fill(NaN);
      c.decodeInto(mi, st.data, o, st.lengths[k]!, fast);
      interpret(plan, st.data, o, st.lengths[k]!, (i, raw) => {
        const sig = plan.message.signals[i]!;
        const want = raw === undefined ? NaN : raw * sig.factor + sig.offset;
        const got = fast[c.slotBase[mi]! + i]!;
        if (!Object.is(got, want) && !(Number.isNaN(got) && Number.isNaN(want))) {
          failures.push(`${basename(file)} ${plan.message.name}.${sig.name}: generated ${got}, interpreter ${want}`);
        }
      });
    }
  }
  assert.equal(failures.slice(0, 10), []);
});

const MUX = parseDbc(
  'BU_: A\nBO_ 300 Mux: 4 A\n' +
    ' SG_ Sel M : 0|8@1+ (1,0) [0|0] "" A\n' +
    ' SG_ Zero m0 : 8|16@1+ (0.5,0) [0|0] "" A\n' +
    ' SG_ One m1 : 8|8@1- (1,0) [0|0] "" A\n' +
    ' SG_ Always : 24|8@1+ (1,0) [0|0] "" A\n' +
    'VAL_ 300 Sel 0 "zero" 1 "one" ;\n',
  'mux.dbc',
);

test('multiplexing writes only the active branch and leaves the other slots alone', () => {
  const c = new CompiledDbc(MUX);
  const slots = c.createSlots();
  assert.is(c.decodeInto(0, Uint8Array.of(1, 0xff, 0, 7), 0, 4, slots), DECODE_OK);
  assert.equal([...slots], [1, NaN, -1, 7]);
  c.decodeInto(0, Uint8Array.of(0, 0x10, 0x00, 9), 0, 4, slots);
  assert.equal([...slots], [0, 8, -1, 9]);
  assert.equal(decodeToObject(c, 0, Uint8Array.of(1, 0xfe, 0, 7), { choices: true }).signals, { Sel: 'one', One: -2, Always: 7 });
  assert.equal(decodeToObject(c, 0, Uint8Array.of(5, 0, 0, 7)).signals, { Sel: 5, Always: 7 });
});

test('a frame shorter than its message decodes what it carries and reports the rest missing, never garbage', () => {
  const c = new CompiledDbc(MUX);
  const slots = c.createSlots().fill(123);
  assert.is(c.decodeInto(0, Uint8Array.of(0, 0x10, 0, 0), 0, 2, slots), DECODE_TRUNCATED);
  assert.equal([...slots], [0, NaN, 123, NaN]);
  assert.equal(decodeToObject(c, 0, Uint8Array.of(1, 5)), { id: 300, extended: false, name: 'Mux', signals: { Sel: 1, One: 5 }, missing: ['Always'] });
  assert.equal(decodeToObject(c, 0, new Uint8Array(0)), { id: 300, extended: false, name: 'Mux', signals: {}, missing: ['Sel', 'Always'] });
});

test('encoding checks ranges, bit widths, choices and missing signals with typed errors', () => {
  const db = parseDbc('BU_: A\nBO_ 5 M: 2 A\n SG_ T : 0|8@1+ (0.5,-40) [-40|50] "C" A\n SG_ G : 8|2@1+ (1,0) [0|0] "" A\nVAL_ 5 G 0 "P" 1 "D" ;\n', 'enc.dbc');
  const c = new CompiledDbc(db);
  assert.equal([...encodeFromObject(c, 0, { T: 21.5, G: 'D' })], [123, 1]);
  const err = (values: Record<string, number | string>, opts = {}): string => {
    try {
      encodeFromObject(c, 0, values, opts);
    } catch (e) {
      assert.instance(e, FrameEncodeError);
      return `${(e as FrameEncodeError).code}: ${(e as Error).message}`;
    }
    return 'no error';
  };
  assert.is(err({ T: 60, G: 0 }), 'OUT_OF_RANGE: M.T: 60 is outside [-40, 50]');
  assert.is(err({ T: 200, G: 0 }, { strict: false }), 'OUT_OF_RANGE: M.T: 200 needs raw 480, which does not fit 8 unsigned bits');
  assert.is(err({ T: 0, G: 4 }), 'OUT_OF_RANGE: M.G: 4 needs raw 4, which does not fit 2 unsigned bits');
  assert.is(err({ T: 0, G: 'R' }), 'UNKNOWN_CHOICE: M.G: "R" is not one of its choices');
  assert.is(err({ T: 0 }), 'MISSING_SIGNAL: M: no value for signal G');
  assert.equal([...encodeFromObject(c, 0, { T: 0 }, { fillMissing: true })], [80, 0]);
});

test('found by the fuzzer: signals named like Object.prototype members decode and encode as themselves', () => {
  const db = parseDbc('BU_: A\nBO_ 1 A: 2 A\n SG_ __proto__ : 0|8@1+ (1,0) [0|0] "" A\n SG_ constructor : 8|8@1+ (1,0) [0|0] "" A\n', 'p.dbc');
  const c = new CompiledDbc(db);
  const d = decodeToObject(c, 0, Uint8Array.of(7, 9));
  assert.equal(Object.keys(d.signals), ['__proto__', 'constructor']);
  assert.equal([d.signals['__proto__'], d.signals['constructor']], [7, 9]);
  assert.equal([...encodeFromObject(c, 0, d.signals)], [7, 9]);
  const missing = () => encodeFromObject(c, 0, JSON.parse('{"__proto__": 1}') as Record<string, number>);
  assert.throws(missing, /no value for signal constructor/);
});

test('floats, 64-bit and big-endian signals encode and decode exactly', () => {
  const db = parseDbc(
    'BU_: A\nBO_ 9 F: 16 A\n SG_ F32 : 7|32@0- (1,0) [0|0] "" A\n SG_ I64 : 32|64@1- (1,0) [0|0] "" A\n SG_ U12 : 99|12@0+ (1,0) [0|0] "" A\n' +
      'SIG_VALTYPE_ 9 F32 : 1;\n',
    'f.dbc',
  );
  const c = new CompiledDbc(db);
  const data = encodeFromObject(c, 0, { F32: -1.5, I64: -5, U12: 0xabc });
  assert.equal([...data.slice(0, 4)], [0xbf, 0xc0, 0, 0]);
  assert.equal([...data.slice(4, 12)], [0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  const slots = c.createSlots();
  c.decodeInto(0, data, 0, data.length, slots);
  assert.equal([...slots], [-1.5, -5, 0xabc]);
});

test('generated code matches the reviewed golden source (set UPDATE_GOLDEN=1 to refresh)', () => {
  const db = loadDbcFile(`${SHARED_DATA}dbc/cantools/motohawk.dbc`);
  const mux = MUX.messages[0]!;
  const source = [
    ...db.messages.map((m) => `// ${m.name} decode\n${generateDecoderBody(m, 0)}\n// ${m.name} encode\n${generateEncoderBody(m, 0)}`),
    `// ${mux.name} decode\n${generateDecoderBody(mux, 0)}\n// ${mux.name} encode\n${generateEncoderBody(mux, 0)}`,
  ].join('\n\n') + '\n';
  const golden = new URL('../../test/golden/generated-motohawk-mux.js.txt', import.meta.url);
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(golden, source);
  assert.fixture(source, readFileSync(golden, 'utf8'));
});

test.run();
