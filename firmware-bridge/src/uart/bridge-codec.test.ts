import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { xorshift32 } from '../../../dbc/index.ts';
import { parseLinkUrl } from '../link-url.ts';
import { LinkOpenError, LinkUrlError } from '../errors.ts';
import { addRecord, BatchReader, beginBatch, finishBatch } from './bridge-batch.ts';
import { encodePacket, PacketDecoder, PacketWriter, type PacketView } from './bridge-codec.ts';
import { allowListFor, parseBridgeConfig } from './bridge-config.ts';
import { BridgeFramingError } from './bridge-errors.ts';
import * as Pl from './bridge-payloads.ts';
import { CAP_BRS, CAP_ERROR_FRAMES, CAP_FD, FLAG_EXT, FLAG_FD, MAX_PACKET, PacketType } from './bridge-protocol.ts';
import { FakeTimer } from './bridge-timer.ts';
import { cobsDecode, cobsEncode, cobsMaxEncodedLength } from './cobs.ts';
import { crc16, CRC16_CHECK, crc16Reference } from './crc16.ts';
import { McuClock } from './mcu-clock.ts';
import { SeqTracker } from './seq-tracker.ts';

const SPEC = readFileSync(new URL('../../UART-BRIDGE-PROTOCOL.md', import.meta.url), 'utf8');
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1 ');
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
/** The spec's examples wrap long lines; compare with whitespace collapsed. */
const specHas = (h: string): boolean => SPEC.replace(/\s+/g, ' ').includes(h);

function cobs(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsMaxEncodedLength(data.length));
  return out.slice(0, cobsEncode(data, 0, data.length, out, 0));
}

/** Decodes a whole byte string; returns the packets (copied) and the errors. */
function decodeAll(input: Uint8Array, chunk = input.length || 1): { packets: { type: number; seq: number; payload: string }[]; errors: BridgeFramingError[]; decoder: PacketDecoder } {
  const packets: { type: number; seq: number; payload: string }[] = [];
  const errors: BridgeFramingError[] = [];
  const decoder = new PacketDecoder((p: PacketView) => packets.push({ type: p.type, seq: p.seq, payload: hex(p.buf.subarray(p.payloadOffset, p.payloadOffset + p.payloadLength)) }), { onError: (e) => errors.push(e) });
  for (let i = 0; i < input.length; i += chunk) decoder.push(input.subarray(i, i + chunk));
  return { packets, errors, decoder };
}

test('CRC-16/CCITT-FALSE: check value 0x29B1, table equals the bit-by-bit reference', () => {
  assert.is(crc16(new TextEncoder().encode('123456789')), CRC16_CHECK);
  assert.is(CRC16_CHECK, 0x29b1);
  const rnd = xorshift32(7);
  for (let n = 0; n < 200; n++) {
    const b = Uint8Array.from({ length: rnd() % 300 }, () => rnd() & 0xff);
    assert.is(crc16(b), crc16Reference(b));
  }
  assert.ok(specHas('`crc16("123456789") = 0x29B1`'));
});

test('COBS: the spec examples, and round trips over zero runs and 254-byte blocks', () => {
  assert.is(hex(cobs(bytes('11 22 00 33'))), '03 11 22 02 33');
  assert.is(hex(cobs(bytes('00'))), '01 01');
  assert.is(hex(cobs(new Uint8Array(0))), '01');
  const rnd = xorshift32(3);
  const cases = [new Uint8Array(254).fill(7), new Uint8Array(255).fill(9), new Uint8Array(600).fill(0), Uint8Array.from({ length: 1032 }, () => (rnd() % 4 === 0 ? 0 : rnd() & 0xff))];
  for (const c of cases) {
    const e = cobs(c);
    assert.ok(!e.includes(0), 'no zero in COBS output');
    assert.ok(e.length <= cobsMaxEncodedLength(c.length));
    assert.is(hex(cobsDecode(e) as Uint8Array), hex(c));
  }
  assert.is(cobsDecode(bytes('05 11 22')), 'code byte 0x05 at +0 runs 2 byte(s) past the end');
  assert.is(cobsDecode(bytes('02 11 00')), '0x00 inside the frame at +2');
});

test('worked examples: the writers produce exactly the bytes in UART-BRIDGE-PROTOCOL.md §12', () => {
  const w = new PacketWriter();
  const nonce = 0x12345678;
  const examples: [string, Uint8Array][] = [
    ['HELLO', Pl.writeHello(w, 0, { major: 1, minor: 0, channelMask: 1, heartbeatMs: 100, timeoutMs: 500, nonce })],
    ['HELLO_ACK', Pl.writeHelloAck(w, 0, { major: 1, minor: 0, result: 0, channels: 1, caps: CAP_FD | CAP_BRS | CAP_ERROR_FRAMES, firmware: [1, 4, 2], nonce, mcuTimeUs: 1_000_000, heartbeatMs: 100, allowlistCapacity: 64 })],
    ['HELLO_ACK v2', Pl.writeHelloAck(w, 0, { major: 2, minor: 0, result: 1, channels: 1, caps: 7, firmware: [2, 0, 0], nonce, mcuTimeUs: 1_000_000, heartbeatMs: 100, allowlistCapacity: 64 })],
    ['ALLOWLIST', Pl.writeAllowList(w, 1, { channel: 0, flags: 0, entries: [{ id: 0x123, extended: false }, { id: 0x18fef100, extended: true }] })],
    ['RESULT 1', Pl.writeResult(w, 1, { ackSeq: 1, ackType: PacketType.ALLOWLIST, status: 0, detail: 0 })],
    ['TX_REQUEST', Pl.writeTxRequest(w, 2, { id: 0x123, channel: 0, flags: 0, data: bytes('01 02 03') })],
    ['RESULT 2', Pl.writeResult(w, 2, { ackSeq: 2, ackType: PacketType.TX_REQUEST, status: 0, detail: 0 })],
    ['TX_REQUEST 124', Pl.writeTxRequest(w, 3, { id: 0x124, channel: 0, flags: 0, data: bytes('01') })],
    ['NACK', Pl.writeResult(w, 3, { ackSeq: 3, ackType: PacketType.TX_REQUEST, status: 1, detail: 0x124 })],
    ['HEARTBEAT mcu', Pl.writeMcuHeartbeat(w, 5, { mcuTimeUs: 1_100_000, state: 1, nextFrameSeq: 2 })],
    ['HEARTBEAT host', w.begin(PacketType.HEARTBEAT, 3).finish()],
    ['ERROR', Pl.writeMcuError(w, 6, { code: 1, channel: 0, detail: 0 })],
  ];
  beginBatch(w, 4, 0);
  addRecord(w, 1_000_500, 0x0d2, 0, 0, bytes('00 00 FF FF 10 00 00 00'));
  addRecord(w, 1_000_620, 0x18fef100, 0, FLAG_EXT, bytes('AA 55'));
  w.setSeq(4);
  examples.push(['CAN_BATCH', finishBatch(w, 2)]);
  for (const [name, wire] of examples) assert.ok(specHas(hex(wire)), `${name}: ${hex(wire)} is in the spec`);
});

test('an independent hand-built HELLO (bytes from the §3/§4.1 tables, reference CRC and COBS) matches the writer', () => {
  const body = [0x01, 0x01, 0x00, 0x00, 12, 0x00, 1, 0, 0x01, 0, 100, 0, 0xf4, 0x01, 0x78, 0x56, 0x34, 0x12];
  const crc = crc16Reference(Uint8Array.from(body));
  const raw = Uint8Array.from([...body, crc & 0xff, crc >> 8]);
  const wire = Uint8Array.from([...cobs(raw), 0]);
  const w = new PacketWriter();
  assert.is(hex(Pl.writeHello(w, 0, { major: 1, minor: 0, channelMask: 1, heartbeatMs: 100, timeoutMs: 500, nonce: 0x12345678 })), hex(wire));
  assert.is(crc, 0xb0e5);
});

test('decoder: packets split at every byte, glued, or with idle 00s in between all come through', () => {
  const w = new PacketWriter();
  const stream = Buffer.concat([Buffer.of(0, 0), encodePacket(0x03, 1, bytes('')), Buffer.of(0), encodePacket(0x31, 2, new Uint8Array(300).fill(0)), encodePacket(0x20, 3, Uint8Array.from({ length: 1024 }, (_, i) => i & 0xff)), Pl.writeResult(w, 4, { ackSeq: 9, ackType: 0x11, status: 0, detail: 0 })]);
  for (const chunk of [1, 2, 7, 64, stream.length]) {
    const { packets, errors, decoder } = decodeAll(stream, chunk);
    assert.equal(packets.map((p) => [p.type, p.seq]), [[0x03, 1], [0x31, 2], [0x20, 3], [0x12, 4]]);
    assert.is(errors.length, 0);
    assert.equal([decoder.counts.emptyFrames, decoder.counts.packets, decoder.counts.bytes], [3, 4, stream.length]);
  }
});

test('decoder: each kind of damage is rejected, counted, located, and the next packet still arrives', () => {
  const good = encodePacket(0x03, 7, bytes('01 02'));
  const raw = (bodyHex: string, flip = 0): Uint8Array => {
    const body = bytes(bodyHex);
    const c = crc16(body);
    body[body.length - 1]! ^= flip;
    return Uint8Array.from([...cobs(Uint8Array.from([...body, c & 0xff, c >> 8])), 0]);
  };
  const cases: [string, Uint8Array, string][] = [
    ['cobs', bytes('05 11 22 00'), 'bridge@0: bad COBS: the frame ends 2 byte(s) inside a block (1122)'],
    ['short', bytes('03 01 03 01 00'), 'bridge@0: packet of 3 bytes is shorter than header + CRC (8 bytes) (010300)'],
    ['crc', raw('01 03 07 00 02 00 01 02', 0x10), 'bridge@0: CRC mismatch: packet carries 0x9835, bytes give 0x8A04 (01030700020001123598)'],
    ['length', raw('01 03 00 00 05 00 AA'), 'bridge@0: length field says 5 payload bytes, packet carries 1 (010300000500aa1f78)'],
    ['version', raw('02 20 00 00 00 00'), 'bridge@0: protocol version 2 packet (type 0x20) on a version 1 link (022000000000e48d)'],
    ['overlong', Uint8Array.from([...new Uint8Array(1100).fill(0x42), 0]), 'bridge@0: frame of 1100 bytes is longer than the largest packet (1032 bytes decoded); skipped to the next 0x00'],
  ];
  for (const [kind, bad, message] of cases) {
    const { packets, errors, decoder } = decodeAll(Uint8Array.from([...bad, ...good]), 3);
    assert.is(errors.length, 1, kind);
    assert.is(errors[0]!.kind, kind);
    assert.is(errors[0]!.offset, 0);
    assert.is(errors[0]!.message, message);
    assert.equal(packets.map((p) => p.seq), [7], `${kind}: the good packet after it`);
    const counted = { cobs: 'cobsErrors', short: 'shortErrors', crc: 'crcErrors', length: 'lengthErrors', version: 'versionErrors', overlong: 'overlongErrors' } as const;
    assert.is(decoder.counts[counted[kind as keyof typeof counted]], 1);
  }
  const { errors } = decodeAll(Uint8Array.from([...good, ...raw('01 03 00 00 05 00 AA')]));
  assert.is(errors[0]!.message, 'bridge@12: length field says 5 payload bytes, packet carries 1 (010300000500aa1f78)');
  assert.is(errors[0]!.offset, good.length);
});

test('decoder: HELLO/HELLO_ACK of another version pass (so a mismatch can be told), other types do not', () => {
  const w = new PacketWriter();
  const ackV2 = Pl.writeHelloAck(w, 0, { major: 2, minor: 0, result: 1, channels: 1, caps: 0, firmware: [2, 0, 0], nonce: 1, mcuTimeUs: 0, heartbeatMs: 100, allowlistCapacity: 8 });
  const batchV2 = encodePacket(PacketType.CAN_BATCH, 1, bytes('00000000 00'), 2);
  const { packets, errors } = decodeAll(Uint8Array.from([...ackV2, ...batchV2]));
  assert.equal(packets.map((p) => p.type), [PacketType.HELLO_ACK]);
  assert.equal(errors.map((e) => e.kind), ['version']);
});

test('CAN_BATCH: records read back from the buffer; a bad record rejects the whole batch with a reason', () => {
  const w = new PacketWriter();
  beginBatch(w, 0, 41);
  addRecord(w, 5, 0x7ff, 0, 0, bytes('01 02'));
  addRecord(w, 6, 0x1fffffff, 1, FLAG_EXT | FLAG_FD, new Uint8Array(64).fill(0xee));
  const wire = finishBatch(w, 2);
  const got: string[] = [];
  const r = new BatchReader();
  new PacketDecoder((p) => {
    assert.is(r.check(p.buf, p.payloadOffset, p.payloadLength), null);
    while (r.next()) got.push(`${r.firstFrameSeq} ${r.tsUs} ${r.id.toString(16)} ${r.channel} ${r.flags} ${r.len}`);
  }).push(wire);
  assert.equal(got, ['41 5 7ff 0 0 2', '41 6 1fffffff 1 3 64']);
  const check = (payloadHex: string): string | null => {
    const p = bytes(payloadHex);
    return new BatchReader().check(p, 0, p.length);
  };
  const rec = (id: string, flags: string, len: number, data = '00'.repeat(len)): string => `00000000 ${id} 00 ${flags} ${len.toString(16).padStart(2, '0')} ${data}`;
  assert.is(check(`00000000 01 ${rec('00080000', '00', 1)}`), 'CAN_BATCH record 0: frame id 0x800 does not fit 11 bits');
  assert.is(check(`00000000 01 ${rec('01000000', '02', 9)}`), 'CAN_BATCH record 0: frame has 9 data bytes, not a CAN FD length');
  assert.is(check(`00000000 01 ${rec('01000000', '00', 9)}`), 'CAN_BATCH record 0: frame has 9 data bytes in a classic CAN frame');
  assert.is(check(`00000000 01 ${rec('01000000', '40', 0)}`), 'CAN_BATCH record 0: frame has reserved flag bits set (flags 0x40)');
  assert.is(check(`00000000 01 ${rec('01000000', '04', 0)}`), 'CAN_BATCH record 0: frame has BRS/ESI without FD');
  assert.is(check(`00000000 02 ${rec('01000000', '00', 1)}`), 'CAN_BATCH record 1 of 2 starts past the payload end');
  assert.is(check(`00000000 01 ${rec('01000000', '00', 1)} FF`), 'CAN_BATCH of 1 records leaves 1 byte(s) over');
  assert.is(check('00000000 00'), 'CAN_BATCH with 0 records');
  assert.is(check('0000'), 'CAN_BATCH payload of 2 bytes, expected at least 5');
});

test('payload readers reject short and inconsistent payloads with a reason', () => {
  const b = bytes('00 00 03 00 23 01 00 00');
  assert.is(Pl.readAllowList(b, 0, b.length), 'ALLOWLIST says 3 entries but carries 4 bytes');
  const e = bytes('00 00 01 00 00 08 00 00');
  assert.is(Pl.readAllowList(e, 0, e.length), 'ALLOWLIST entry 0 (0x800) is not a valid 11-bit id');
  const t = bytes('23 01 00 00 00 00 05 01');
  assert.is(Pl.readTxRequest(t, 0, t.length), 'TX_REQUEST says 5 data bytes but carries 1');
  assert.is(Pl.readHello(bytes('01 00'), 0, 2), 'HELLO payload of 2 bytes, expected 12');
  assert.is(Pl.readMcuHeartbeat(bytes('00'), 0, 1), 'HEARTBEAT payload of 1 bytes, expected 9');
});

test('writer: a payload past 1024 bytes is a RangeError, never a bigger packet', () => {
  const w = new PacketWriter().begin(0x20, 0);
  assert.throws(() => w.bytes(new Uint8Array(1025)), /exceed 1024 bytes/);
  assert.is(MAX_PACKET, 1032);
});

test('sequence numbers: gaps count lost packets, older numbers are stale, 0xFFFF wraps to 0', () => {
  const s = new SeqTracker();
  s.reset(1);
  const verdicts = [1, 2, 5, 3, 6, 6].map((n) => s.accept(n));
  assert.equal(verdicts, [true, true, true, false, true, false]);
  assert.equal([s.lost, s.stale], [2, 2]);
  s.reset(0xfffe);
  assert.equal([s.accept(0xfffe), s.accept(0xffff), s.accept(0), s.accept(2)], [true, true, true, true]);
  assert.is(s.lost, 3);
});

test('MCU clock: unwraps the u32 µs counter, follows drift within the slew, never goes back', () => {
  const c = new McuClock();
  c.anchor(0xfff0_0000, 1_000_000_000);
  assert.is(c.toWallUs(0xfff0_0010), 1_000_000_016);
  assert.is(c.toWallUs(0x0000_0010), 1_000_000_016 + 0x10_0000, 'across the wrap');
  c.sample(0x0010_0000, 1_000_000_000 + 0x20_0000 + 5000); // a late heartbeat: offset rises by at most 20 µs
  assert.is(c.toWallUs(0x0010_0000), 1_000_000_000 + 0x20_0000 + 20);
  c.sample(0x0010_0000, 1_000_000_000 + 0x20_0000 - 300); // a faster trip: taken at once, but output never goes back
  assert.is(c.toWallUs(0x0010_0000), 1_000_000_000 + 0x20_0000 + 20);
  assert.is(c.toWallUs(0x0010_1000), 1_000_000_000 + 0x20_0000 - 300 + 0x1000);
});

test('bridge URL parameters and the allow-list the host sends', () => {
  const c = parseBridgeConfig(parseLinkUrl('bridge:/dev/ttyS1?baud=2000000&channel=1&heartbeat=50&timeout=300'));
  assert.equal([c.path, c.baudRate, c.channel, c.heartbeatMs, c.timeoutMs, c.handshakeMs, c.txTimeoutMs, c.allowAll], ['/dev/ttyS1', 2000000, 1, 50, 300, 1000, 250, false]);
  const bad = (url: string): string => {
    try {
      parseBridgeConfig(parseLinkUrl(url));
    } catch (err) {
      assert.instance(err, LinkUrlError);
      return (err as Error).message;
    }
    return 'no error';
  };
  assert.is(bad('bridge:/dev/ttyS1?baud=fast'), 'link URL "bridge:/dev/ttyS1?baud=fast" at column 19: expected baud= an integer from 1200 to 16000000');
  assert.is(bad('bridge:/dev/ttyS1?heartbeat=100&timeout=100'), 'link URL "bridge:/dev/ttyS1?heartbeat=100&timeout=100" at column 33: expected timeout= longer than heartbeat= (100 ms)');
  assert.is(bad('bridge:/dev/ttyS1?speed=1'), 'link URL "bridge:/dev/ttyS1?speed=1" at column 19: expected a bridge parameter: baud, channel, heartbeat, timeout, handshake, txTimeout, allowAll, bus');
  assert.equal(allowListFor('b', new Set(['s123', 'x18FEF100']), false), { flags: 0, entries: [{ id: 0x123, extended: false }, { id: 0x18fef100, extended: true }] });
  assert.equal(allowListFor('b', 'none', false), { flags: 0, entries: [] });
  assert.equal(allowListFor('b', 'all', true), { flags: 1, entries: [] });
  try {
    allowListFor('bridge:/dev/ttyS1', 'all', false);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, LinkOpenError);
    assert.is((err as LinkOpenError).code, 'OPEN_FAILED');
    assert.is((err as Error).message, "bridge:/dev/ttyS1: txAllow 'all' is refused on an MCU bridge: the MCU's allow-list is the last line of defence. Pass the actuator ids, or add ?allowAll=1 to the URL on a bench (bench firmware only)");
  }
});

test('FakeTimer runs due timers in time order, including ones scheduled while advancing', () => {
  const t = new FakeTimer(0);
  const log: string[] = [];
  t.setTimeout(() => log.push(`b@${t.nowMs()}`), 20);
  t.setTimeout(() => {
    log.push(`a@${t.nowMs()}`);
    t.setTimeout(() => log.push(`c@${t.nowMs()}`), 5);
  }, 10);
  const gone = t.setTimeout(() => log.push('never'), 15);
  t.clearTimeout(gone);
  t.advance(30);
  assert.equal(log, ['a@10', 'c@15', 'b@20']);
  assert.equal([t.nowMs(), t.wallUs(), t.pending], [30, 30_000, 0]);
});

test.run();
