import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProtocolError, TxFailedError } from '../errors.ts';
import { AdapterClock, MAX_ADAPTER_LAG_US } from './slcan-clock.ts';
import { MAX_LINE_BYTES, SlcanDecoder, encodeFrame } from './slcan-codec.ts';
import { bitrateCommand, dataBitrateCommand, encodeCommand } from './slcan-commands.ts';
import { runSlcanFuzz } from './slcan-fuzz.ts';

const hex = (d: Uint8Array): string => Buffer.from(d).toString('hex');

/** Decodes the chunks (strings are latin1) and returns what the decoder reported, in order. */
function decode(...chunks: (string | Uint8Array)[]): string[] {
  const log: string[] = [];
  const dec = new SlcanDecoder('slcan:x', 'can0', {
    frame: (f, ms) => log.push(`${f.extended ? 'X' : 'S'}${f.id.toString(16)}${f.fd ? ' fd' : ''}${f.brs ? ' brs' : ''}${f.rtr ? ` rtr${f.rtrLength}` : ''} [${hex(f.data)}]${ms >= 0 ? ` @${ms}` : ''} ${f.bus} t=${f.timestampUs}`),
    ack: (kind) => log.push(`ack ${kind}`),
    reply: (kind, text, offset) => log.push(`reply ${kind} ${JSON.stringify(text)} @${offset}`),
    error: (err) => {
      assert.instance(err, ProtocolError);
      log.push(`error ${err.message}`);
    },
  });
  chunks.forEach((c, i) => dec.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c, 1000 + i));
  return log;
}

test('classic frames: t/T data, r/R remote, ids, lengths, upper and lower case hex', () => {
  assert.equal(decode('t1233112233\rT18FEF1008DEADBEEF01020304\rt7FF0\rr1232\rR000000015\rt0a11ff\r'), [
    'S123 [112233] can0 t=1000',
    'X18fef100 [deadbeef01020304] can0 t=1000',
    'S7ff [] can0 t=1000',
    'S123 rtr2 [] can0 t=1000',
    'X1 rtr5 [] can0 t=1000',
    'Sa1 [ff] can0 t=1000',
  ]);
});

test('CAN FD: d/D without and b/B with bit-rate switch; length codes 9-F are 12..64 bytes', () => {
  const data = (n: number): string => Buffer.from(Array.from({ length: n }, (_, i) => i)).toString('hex').toUpperCase();
  const log = decode(`d1239${data(12)}\rD1234567AF${data(64)}\rb321C${data(24)}\rB000000010\rd0018${data(8)}\r`);
  assert.equal(log.map((l) => l.split(' [')[0]), ['S123 fd', 'X1234567a fd', 'S321 fd brs', 'X1 fd brs', 'S1 fd']);
  assert.equal(log.map((l) => /\[(\w*)\]/.exec(l)![1]!.length / 2), [12, 64, 24, 0, 8]);
});

test('Z timestamps: 4 hex digits after the data are the adapter time in ms', () => {
  assert.equal(decode('t12320102EA5F\rT0000000100000\rr1238ABCD\r'), ['S123 [0102] @59999 can0 t=1000', 'X1 [] @0 can0 t=1000', 'S123 rtr8 [] @43981 can0 t=1000']);
});

test('answers: bare CR, z/Z, BEL (no CR), replies to V v N F, other text; CR LF tolerated', () => {
  assert.equal(decode('\r', 'z\rZ\r\x07V1013\rv0107\rNA123\rF00\r', 'a1b2c3d https://github.com/x/canable-fw.git\r\n\rt1230\r\n'), [
    'ack ok',
    'ack z',
    'ack Z',
    'ack bel',
    'reply V "1013" @6',
    'reply v "0107" @12',
    'reply N "A123" @18',
    'reply F "00" @24',
    'reply text "a1b2c3d https://github.com/x/canable-fw.git" @28',
    'ack ok',
    'S123 [] can0 t=1002',
  ]);
});

test('lines split anywhere across chunks decode as if whole', () => {
  const stream = 'T18FEF1008DEADBEEF01020304\rt12320102EA5F\r\x07\rd1239000102030405060708090A0B\r';
  const whole = decode(stream).map((l) => l.replace(/ t=\d+/, ''));
  for (let cut = 1; cut < stream.length; cut++) {
    assert.equal(decode(stream.slice(0, cut), stream.slice(cut)).map((l) => l.replace(/ t=\d+/, '')), whole, `cut at ${cut}`);
  }
  assert.equal(decode(...stream.split('')).map((l) => l.replace(/ t=\d+/, '')), whole, 'byte by byte');
  // A frame is stamped with the time of the chunk that completed it.
  assert.equal(decode('t123', '0\r'), ['S123 [] can0 t=1001']);
});

test('malformed lines are reported with stream offset and column, skipped, and never become frames', () => {
  assert.equal(decode('t1G30\rt8000\rt1239\rT2000000000\rt12311\rt12\rq\x01\rt1230\r'), [
    'error slcan:x@0: t frame line: "G" at column 3 is not a hex digit (7431473330)',
    'error slcan:x@6: t frame line: 11-bit id 0x800 is out of range (7438303030)',
    'error slcan:x@12: t frame line: length code "9" is not 0-8 (7431323339)',
    'error slcan:x@18: T frame line: 29-bit id 0x20000000 is out of range (5432303030303030303030)',
    'error slcan:x@30: t frame line: 1 characters after the length code, expected 2 (data) or 6 (data and timestamp) (743132333131)',
    'error slcan:x@37: t frame line too short (3 bytes) (743132)',
    'error slcan:x@41: unprintable byte 0x01 at column 2 (7101)',
    'S123 [] can0 t=1000',
  ]);
});

test('garbage before BEL, stray bytes in data, overlong lines: counted, skipped, decoding resumes', () => {
  const long = 't123' + '0'.repeat(MAX_LINE_BYTES);
  assert.equal(decode('t12\x07t1231\xff\xff\r', long.slice(0, 100), long.slice(100), '\rt1230\r'), [
    'error slcan:x@0: unterminated line before BEL (743132)',
    'ack bel',
    'error slcan:x@4: t frame line: byte 0xff at column 6 is not a hex digit (7431323331ffff)',
    `error slcan:x@12: line longer than ${MAX_LINE_BYTES} bytes without CR (discarded up to the next CR) (${'74313233'.padEnd(64, '30')})`,
    'S123 [] can0 t=1003',
  ]);
  // The same overlong line in one chunk is dropped the same way.
  assert.equal(decode(`${long}\rt1230\r`).length, 2);
});

test('encodeFrame writes t/T/r/R/d/D/b/B lines that the decoder reads back', () => {
  const line = (f: Parameters<typeof encodeFrame>[0]): string => encodeFrame(f, 'slcan:x').toString('latin1');
  assert.is(line({ id: 0x123, extended: false, data: Uint8Array.of(0xde, 0xad) }), 't1232DEAD\r');
  assert.is(line({ id: 0x18fef100, extended: true, data: new Uint8Array(0) }), 'T18FEF1000\r');
  assert.is(line({ id: 0x7ff, extended: false, data: new Uint8Array(4), rtr: true }), 'r7FF4\r');
  assert.is(line({ id: 1, extended: true, data: new Uint8Array(3), rtr: true }), 'R000000013\r');
  assert.is(line({ id: 0x123, extended: false, data: new Uint8Array(0), rtr: true, rtrLength: 8 }), 'r1238\r');
  assert.is(line({ id: 0x10, extended: false, data: new Uint8Array(12), fd: true }), `d0109${'00'.repeat(12)}\r`);
  assert.is(line({ id: 0x10, extended: true, data: new Uint8Array(64), fd: true, brs: true }), `B00000010F${'00'.repeat(64)}\r`);
  assert.is(line({ id: 0x10, extended: false, data: new Uint8Array(16) }), `d010A${'00'.repeat(16)}\r`, 'more than 8 bytes is CAN FD');
  const back = decode(encodeFrame({ id: 0x321, extended: false, data: Uint8Array.from({ length: 48 }, (_, i) => i), fd: true, brs: true }, 'x'));
  assert.equal(back, [`S321 fd brs [${Buffer.from(Array.from({ length: 48 }, (_, i) => i)).toString('hex')}] can0 t=1000`]);
});

test('encodeFrame refuses what SLCAN cannot carry, with TxFailedError', () => {
  const refuse = (f: Parameters<typeof encodeFrame>[0]): string => {
    try {
      encodeFrame(f, 'slcan:x');
    } catch (err) {
      assert.instance(err, TxFailedError);
      return (err as Error).message;
    }
    return 'encoded';
  };
  assert.is(refuse({ id: 0x800, extended: false, data: new Uint8Array(0) }), 'slcan:x: id 0x800 does not fit 11 bits');
  assert.is(refuse({ id: 0x20000000, extended: true, data: new Uint8Array(0) }), 'slcan:x: id 0x20000000 does not fit 29 bits');
  assert.is(refuse({ id: 1, extended: false, data: new Uint8Array(10) }), 'slcan:x: 10 data bytes is not a CAN FD length (0-8, 12, 16, 20, 24, 32, 48, 64)');
  assert.is(refuse({ id: 1, extended: false, data: new Uint8Array(2), fd: true, rtr: true }), 'slcan:x: CAN FD has no remote frames');
});

test('command encoders: S0-S8 from bit rates, Y from CAN FD data bit rates', () => {
  assert.equal([10e3, 20e3, 50e3, 100e3, 125e3, 250e3, 500e3, 800e3, 1e6].map(bitrateCommand), ['S0', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8']);
  assert.is(bitrateCommand(83_333), null);
  assert.equal([1e6, 2e6, 4e6, 5e6, 8e6].map(dataBitrateCommand), ['Y1', 'Y2', 'Y4', 'Y5', null]);
  assert.is(encodeCommand('S6').toString('latin1'), 'S6\r');
});

test('AdapterClock: one USB packet keeps the adapter spacing; wraps, long gaps, lag and no-timestamp frames', () => {
  const c = new AdapterClock();
  const T = 1_700_000_000_000_000;
  const ms = 1000;
  const near = (got: number, want: number, why: string): void => assert.ok(Math.abs(got - want) < 1000, `${why}: ${got - T} vs ${want - T}`);
  assert.is(c.stamp(T, 1000), T, 'the first frame anchors at its receipt');
  // Two frames 100 ms apart on the bus arrive together 300 ms later.
  near(c.stamp(T + 300 * ms, 1100), T + 100 * ms, 'spaced by the adapter, not by arrival');
  near(c.stamp(T + 300 * ms, 1200), T + 200 * ms, 'second frame of the packet');
  // 125 s later (two wraps of 60 s): unfolded with our own elapsed time.
  const late = c.stamp(T + 125_300 * ms, (1200 + 125_000) % 60_000);
  assert.ok(late <= T + 125_300 * ms && late > T + 125_200 * ms, `after two wraps: ${late - T}`);
  // A frame that arrives at the lowest latency so far sets the offset: stamped at its receipt.
  assert.is(c.stamp(T + 125_400 * ms, (1200 + 125_200) % 60_000), T + 125_400 * ms);
  // Adapter time stands still while ours runs 5 s: not trusted, re-anchored at receipt.
  assert.is(c.stamp(T + 130_400 * ms, (1200 + 125_200) % 60_000), T + 130_400 * ms);
  assert.is(c.stamp(T + 10, -1), T + 130_400 * ms, 'no timestamp and an older receipt: never backwards');
  assert.ok(MAX_ADAPTER_LAG_US < 5_000_000);
});

test('fuzz (short run): random and damaged streams deliver only frames the stream holds, never throw', () => {
  const report = runSlcanFuzz({ seed: 3, inputs: 2000 });
  assert.equal(report.findings.map((f) => `${f.kind} #${f.input}: ${f.detail}`), []);
  assert.is(report.inputs, 2000);
  assert.ok(report.framesDelivered > 5000 && report.errorsReported > 1000, 'the run exercised both paths');
});

test.run();
