import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CanFrame } from '../../../dbc/index.ts';
import { TraceFormatError } from '../errors.ts';
import { commonFrames, traceFormatContract } from '../../test/contracts/trace-format-contract.ts';
import { bytes, frame, readAll, rejection, SAMPLES, tempDir, writeAll } from '../../test/trace-fixtures.ts';
import { FILE_HEADER_SIZE, putU16, putU32, putU64, readSystemTime, u32 } from './blf-layout.ts';
import { createBlfWriter } from './blf-writer.ts';
import { openBlfReader } from './blf-reader.ts';
import { TraceWriteError } from './trace-write-error.ts';

traceFormatContract({
  format: 'blf',
  open: openBlfReader,
  create: (path) => createBlfWriter(path),
  keepsBusNames: false,
  // CAN_ERROR_EXT keeps id, extended flag and up to 8 data bytes; not whether the error was CAN FD.
  errorFrames: [
    frame({ timestampUs: 1_000_000, id: 0x80, error: true, data: bytes('00 01 02 03 04 05 06 07') }),
    frame({ timestampUs: 2_000_000, bus: 'can1', id: 0x1234567, extended: true, error: true }),
  ],
  keepsSubMicros: true,
  takesEarlierFrames: false,
});

const tmp = tempDir('blf');
test.after(() => tmp.cleanup());

/** The object timestamp 0x2222222222222222 ns of Tobias Lorenz's test files, in µs, computed exactly. */
const LORENZ_US = Number(0x2222222222222222n / 1000n) + Number(0x2222222222222222n % 1000n) / 1000;

test('python-can test_CanMessage.blf: two CAN_MESSAGEs as python-can expects, two other objects', async () => {
  // python-can: timestamp 2459565876.494607, id 0x4444444 not extended, channel 0x1110 (0-based), dlc 0x33, data 55..CC
  const reader = openBlfReader(join(SAMPLES, 'pythoncan_test_CanMessage.blf'));
  const expected = frame({ timestampUs: LORENZ_US, bus: `can${0x1110}`, id: 0x4444444, data: bytes('55 66 77 88 99 AA BB CC') });
  const frames = await readAll(reader);
  assert.equal(frames, [expected, expected]);
  assert.is(Math.floor(frames[0]!.timestampUs), 2459565876494607);
  assert.equal(reader.stats, { frames: 2, malformed: 0, ignored: 2, bytesRead: 420 });
});

test('python-can test_CanFdMessage64.blf: two CAN_FD_MESSAGE_64s as python-can expects', async () => {
  // python-can: id 0x15555555 not extended, channel 0x10 (0-based), 64 bytes, FD, BRS, ESI (its
  // remote flag is also set: a CAN FD frame cannot be remote, so it is not read)
  const reader = openBlfReader(join(SAMPLES, 'pythoncan_test_CanFdMessage64.blf'));
  const data = Uint8Array.from({ length: 64 }, (_, i) => i);
  const expected = frame({ timestampUs: LORENZ_US, bus: `can${0x10}`, id: 0x15555555, fd: true, brs: true, esi: true, data });
  assert.equal(await readAll(reader), [expected, expected]);
  assert.equal([reader.stats.frames, reader.stats.ignored], [2, 2]);
});

test('objects spanning containers, tiny reads, uncompressed containers: same frames', async () => {
  const frames = commonFrames(1_700_000_000_000_000);
  for (const [name, options] of [['span.blf', { containerBytes: 100 }], ['raw.blf', { containerBytes: 100, compressionLevel: null }]] as const) {
    const path = tmp.path(name);
    await writeAll(createBlfWriter(path, options), frames);
    assert.equal(await readAll(openBlfReader(path, { chunkBytes: 64 })), frames, name);
  }
  assert.is(readFileSync(tmp.path('raw.blf'))[144 + 16], 0); // compression method 0 in the first container
});

test('the written header: size, object count and start/stop SYSTEMTIME (UTC)', async () => {
  const path = tmp.path('header.blf');
  const t0 = Date.UTC(2024, 1, 29, 23, 59, 58, 123) * 1000 + 456;
  await writeAll(createBlfWriter(path), [frame({ timestampUs: t0, id: 1 }), frame({ timestampUs: t0 + 2_000_000, id: 2 })]);
  const b = readFileSync(path);
  assert.is(b.toString('latin1', 0, 4), 'LOGG');
  assert.equal([u32(b, 4), u32(b, 16), u32(b, 32)], [FILE_HEADER_SIZE, statSync(path).size, 2]);
  assert.is(readSystemTime(b, 40), Date.UTC(2024, 1, 29, 23, 59, 58, 123) * 1000);
  assert.is(readSystemTime(b, 56), Date.UTC(2024, 2, 1, 0, 0, 0, 123) * 1000);
});

test('frames before the start millisecond and long error data are refused', async () => {
  const path = tmp.path('refuse.blf');
  const writer = createBlfWriter(path);
  await writer.write(frame({ timestampUs: 5_000_700, id: 1 }));
  await writer.write(frame({ timestampUs: 5_000_000, id: 2 }));
  const early = await rejection(writer.write(frame({ timestampUs: 4_999_999, id: 3 })));
  assert.is(early.message, `${path}: frame 2: BLF stores times from the first frame's millisecond; this frame is 1 µs before it`);
  const long = await rejection(writer.write(frame({ id: 4, error: true, fd: true, data: new Uint8Array(12) })));
  assert.instance(long, TraceWriteError);
  assert.is(long.message, `${path}: frame 3: a BLF error frame carries at most 8 data bytes`);
  await writer.close();
  assert.equal((await readAll(openBlfReader(path))).map((f) => f.id), [1, 2]);
});

/** A BLF file by hand: header, then one uncompressed (or zlib) container holding `objects`. */
function handMade(objects: Uint8Array[], zlib = false): Uint8Array {
  const header = new Uint8Array(FILE_HEADER_SIZE);
  header.set(Buffer.from('LOGG'), 0);
  putU32(header, 4, FILE_HEADER_SIZE);
  const payload = Buffer.concat(objects);
  const body = zlib ? deflateSync(payload) : payload;
  const container = new Uint8Array(32 + body.length + ((32 + body.length) % 4));
  container.set(Buffer.from('LOBJ'), 0);
  putU16(container, 4, 16);
  putU16(container, 6, 1);
  putU32(container, 8, 32 + body.length);
  putU32(container, 12, 10);
  putU16(container, 16, zlib ? 2 : 0);
  putU32(container, 24, payload.length);
  container.set(body, 32);
  return Buffer.concat([header, container]);
}

/**
 * An object: `type`, timestamp `time` (ns, or 10 µs units with `flags` 1), `body`, with a v1
 * (32-byte) or v2 (40-byte) header, padded by size % 4 as Vector does.
 */
function object(type: number, time: number, body: Uint8Array, version = 1, flags = 2): Uint8Array {
  const headerSize = version === 1 ? 32 : 40;
  const size = headerSize + body.length;
  const o = new Uint8Array(size + (size % 4));
  o.set(Buffer.from('LOBJ'), 0);
  putU16(o, 4, headerSize);
  putU16(o, 6, version);
  putU32(o, 8, size);
  putU32(o, 12, type);
  putU32(o, 16, flags);
  putU64(o, 24, time);
  o.set(body, headerSize);
  return o;
}

/** A CAN_MESSAGE body. */
function canMessage(channel: number, id: number, data: string): Uint8Array {
  const body = new Uint8Array(16);
  putU16(body, 0, channel);
  body[3] = data.length / 2;
  putU32(body, 4, id);
  body.set(bytes(data), 8);
  return body;
}

test('every frame object type; v2 headers; 10 µs timestamps; short CAN_FD_MESSAGE_64 data', async () => {
  const message2 = new Uint8Array(24);
  message2.set(canMessage(3, 0x7ff, 'DEADBEEF'));
  const fd = new Uint8Array(84);
  putU16(fd, 0, 1);
  fd[3] = 9; // DLC 9: 12 bytes
  putU32(fd, 4, 0x80000456);
  fd[13] = 0x1 | 0x2; // EDL, BRS
  fd[14] = 12;
  fd.set(bytes('000102030405060708090A0B'), 20);
  const error = new Uint8Array(4);
  putU16(error, 0, 2);
  const errorExt = new Uint8Array(32);
  putU16(errorExt, 0, 1);
  errorExt[10] = 2;
  putU32(errorExt, 16, 0x80000001);
  errorExt.set(bytes('AABB'), 24);
  const fd64 = new Uint8Array(45); // 8 valid bytes announced, 5 present: the rest read as 0
  fd64[0] = 1;
  fd64[2] = 8;
  putU32(fd64, 4, 0x123);
  putU32(fd64, 12, 0x1000 | 0x4000); // EDL, ESI
  fd64.set(bytes('0102030405'), 40);
  const fdError = new Uint8Array(47);
  fdError[0] = 2;
  fdError[2] = 3;
  putU32(fdError, 12, 0x42);
  fdError.set(bytes('010203'), 44);
  const path = tmp.path('types.blf');
  writeFileSync(path, handMade([
    object(86, 1_000, message2),
    object(100, 2_000, fd, 2),
    object(2, 3_000, error),
    object(73, 400, errorExt, 1, 1),
    object(101, 5_000, fd64),
    object(104, 6_000, fdError),
  ], true));
  assert.equal(await readAll(openBlfReader(path)), [
    frame({ timestampUs: 1, bus: 'can2', id: 0x7ff, data: bytes('DEADBEEF') }),
    frame({ timestampUs: 2, id: 0x456, extended: true, fd: true, brs: true, data: bytes('000102030405060708090A0B') }),
    frame({ timestampUs: 3, bus: 'can1', id: 0, error: true }),
    frame({ timestampUs: 4_000, id: 1, extended: true, error: true, data: bytes('AABB') }),
    frame({ timestampUs: 5, id: 0x123, fd: true, esi: true, data: bytes('0102030405000000') }),
    frame({ timestampUs: 6, bus: 'can1', id: 0x42, error: true, data: bytes('010203') }),
  ]);
});

test('odd object sizes: the size % 4 padding Vector writes is skipped', async () => {
  const path = tmp.path('pad.blf');
  writeFileSync(path, handMade([object(65, 0, new Uint8Array(18)), object(1, 1_000, canMessage(2, 0x80000123, 'AABB'))]));
  const reader = openBlfReader(path);
  assert.equal(await readAll(reader), [frame({ timestampUs: 1, bus: 'can1', id: 0x123, extended: true, data: bytes('AABB') })]);
  assert.equal([reader.stats.frames, reader.stats.ignored], [1, 1]);
});

test('malformed input: file@offset, the reason, the bytes; skipMalformed resumes at the next object', async () => {
  const good = (t: number): Uint8Array => object(1, t, canMessage(1, 0x100 + t, '01'));
  const broken = object(1, 2, canMessage(0, 0x102, '01'));
  const garbage = new Uint8Array(48).fill(0x55);
  const path = tmp.path('bad.blf');
  writeFileSync(path, handMade([good(1), broken, garbage, good(3)]));
  const errors: string[] = [];
  const reader = openBlfReader(path, { skipMalformed: true, onMalformed: (e) => errors.push(e.message) });
  assert.equal((await readAll(reader)).map((f) => f.id), [0x101, 0x103]);
  assert.equal(errors, [
    `${path}@144: log container object +48: channel 0 does not exist (channels count from 1): "4C4F424A200001003000000001000000"`,
    `${path}@144: log container object +96: expected an object ("LOBJ"): "55555555555555555555555555555555"`,
  ]);
  const err = await rejection(readAll(openBlfReader(path)));
  assert.instance(err, TraceFormatError);
  assert.equal([(err as TraceFormatError).offset, (err as TraceFormatError).line], [144, null]);
});

test('not BLF, truncated, bad zlib: typed errors with offsets', async () => {
  const cases: [string, Uint8Array, string][] = [
    ['text.blf', Buffer.from('hello, this is not a BLF file at all........................................'), '@0: not a BLF file: expected "LOGG": "68656C6C6F2C2074686973206973206E"'],
    ['cut.blf', handMade([object(1, 1, canMessage(1, 1, '01'))]).subarray(0, 200), '@144: the file ends 24 bytes before the end of this 80-byte object: "4C4F424A100001005000000'],
    ['zlib.blf', (() => { const b = handMade([object(1, 1, canMessage(1, 1, '01'))], true); b[176] ^= 0xff; return b; })(), '@144: cannot inflate the log container: incorrect header check'],
  ];
  for (const [name, content, message] of cases) {
    const path = tmp.path(name);
    writeFileSync(path, content);
    const err = await rejection(readAll(openBlfReader(path)));
    assert.instance(err, TraceFormatError, name);
    assert.ok(err.message.startsWith(`${path}${message}`), `${name}: ${err.message}`);
  }
});

test('an object cut off by the end of the last container is malformed', async () => {
  const whole = object(1, 1, canMessage(1, 1, '01'));
  const path = tmp.path('inner-cut.blf');
  writeFileSync(path, handMade([whole, whole.subarray(0, 30)]));
  const reader = openBlfReader(path, { skipMalformed: true });
  const frames: CanFrame[] = await readAll(reader);
  assert.equal([frames.length, reader.stats.malformed], [1, 1]);
  const err = await rejection(readAll(openBlfReader(path)));
  assert.is(err.message, `${path}@144: log container object +48: the file ends inside this object: "4C4F424A200001003000000001000000"`);
});

test.run();
