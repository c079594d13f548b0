import { readdirSync, statSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CanFrame } from '../../../dbc/index.ts';
import type { ChunkedReadOptions } from '../../src/readers/file-chunks.ts';
import type { BatchTraceReader } from '../../src/readers/reader-base.ts';
import { TraceWriteError } from '../../src/readers/trace-write-error.ts';
import type { TraceFormat, TraceWriter } from '../../src/trace.ts';
import { bytes, frame, readAll, rejection, tempDir, writeAll } from '../trace-fixtures.ts';

/** A trace format under test: its reader, its writer and what it can carry. */
export interface TraceFormatSpec {
  format: TraceFormat;
  open(path: string, options?: ChunkedReadOptions): BatchTraceReader;
  create(path: string): TraceWriter;
  /** Bus names other than `can<N>` survive a round trip. */
  keepsBusNames: boolean;
  /** Error frames that survive a round trip unchanged (what the format can say about them). */
  errorFrames: CanFrame[];
  /** Fractions of a microsecond survive. */
  keepsSubMicros: boolean;
  /** A frame earlier than the first can be written. */
  takesEarlierFrames: boolean;
}

/** An arbitrary wall-clock start: 2023-11-14T22:13:20.123456Z. */
const T0 = 1_700_000_000_123_456;
const count = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 1) & 0xff);

/** Frames every format carries: classic, extended, remote, empty, CAN FD with each flag, long gaps. */
export function commonFrames(t0: number): CanFrame[] {
  return [
    frame({ timestampUs: t0, id: 0x123, data: bytes('01 02 03') }),
    frame({ timestampUs: t0 + 1, bus: 'can1', id: 0x18fef100, extended: true, data: bytes('11 22 33 44 55 66 77 88') }),
    frame({ timestampUs: t0 + 250, id: 0x7ff, rtr: true }),
    frame({ timestampUs: t0 + 251, id: 0x1abcdef, extended: true, rtr: true }),
    frame({ timestampUs: t0 + 1_000, id: 0x000 }),
    frame({ timestampUs: t0 + 2_000, bus: 'can2', id: 0x456, fd: true, data: count(12) }),
    frame({ timestampUs: t0 + 2_001, bus: 'can2', id: 0x457, fd: true, brs: true, data: count(8) }),
    frame({ timestampUs: t0 + 2_002, bus: 'can2', id: 0x458, fd: true, esi: true, data: count(20) }),
    frame({ timestampUs: t0 + 2_003, bus: 'can3', id: 0x1fffffff, extended: true, fd: true, brs: true, esi: true, data: count(64) }),
    frame({ timestampUs: t0 + 2_004, bus: 'can3', id: 0x001, fd: true }),
    frame({ timestampUs: t0 + 3_600_000_000, id: 0x321, data: count(8) }),
  ];
}

/** Open file descriptors of this process (Linux). */
function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * The behaviour every trace format must show: exact round trips of what it carries, streaming
 * in any chunk size, both iteration styles, stats, closing, and refusing what it cannot write
 * (cf. python-can `ReaderWriterTest`). Each format's test file calls this.
 */
export function traceFormatContract(spec: TraceFormatSpec): void {
  const t = suite(`trace format contract: ${spec.format}`);
  let tmp: ReturnType<typeof tempDir>;
  let n = 0;
  const file = (): string => tmp.path(`trace-${n++}.${spec.format}`);
  const roundTrip = async (frames: CanFrame[], options?: ChunkedReadOptions): Promise<CanFrame[]> => {
    const path = file();
    await writeAll(spec.create(path), frames);
    return readAll(spec.open(path, options));
  };
  t.before(() => {
    tmp = tempDir(`contract-${spec.format}`);
  });
  t.after(() => tmp.cleanup());

  t('round-trips classic, extended, remote and CAN FD frames with wall-clock times', async () => {
    const frames = commonFrames(T0);
    assert.equal(await roundTrip(frames), frames);
  });

  t('round-trips times counted from 0 (traces without an absolute start)', async () => {
    const frames = commonFrames(0);
    assert.equal(await roundTrip(frames), frames);
  });

  t('round-trips error frames as far as the format carries them', async () => {
    assert.equal(await roundTrip(spec.errorFrames), spec.errorFrames);
  });

  t('bus names: kept, or numbered channels that read back as can<N>', async () => {
    const named = ['vcan0', 'pt', 'body_can'].map((bus, i) => frame({ timestampUs: T0 + i, bus, id: i + 1 }));
    const back = await roundTrip(named);
    if (spec.keepsBusNames) assert.equal(back, named);
    else {
      assert.equal(back.map((f) => f.bus), ['can0', 'can1', 'can2']);
      const writer = spec.create(file());
      await writer.write(frame({ bus: 'can0', id: 1 }));
      const err = await rejection(writer.write(frame({ bus: 'vcan0', id: 2 })));
      await writer.close();
      assert.instance(err, TraceWriteError);
      assert.match(err.message, 'frame 1: buses "can0" and "vcan0" would both be channel 1');
    }
  });

  t('fractions of a microsecond: kept, or rounded to the µs', async () => {
    const frames = [frame({ timestampUs: T0 + 0.5, id: 1 }), frame({ timestampUs: T0 + 10.25, id: 2 })];
    const back = await roundTrip(frames);
    assert.equal(back.map((f) => f.timestampUs), spec.keepsSubMicros ? [T0 + 0.5, T0 + 10.25] : [T0 + 1, T0 + 10]);
  });

  t('a frame earlier than the first: written, or refused with TraceWriteError', async () => {
    const frames = [frame({ timestampUs: T0, id: 1 }), frame({ timestampUs: T0 - 5_000, id: 2 })];
    if (spec.takesEarlierFrames) assert.equal(await roundTrip(frames), frames);
    else {
      const writer = spec.create(file());
      await writer.write(frames[0]!);
      assert.instance(await rejection(writer.write(frames[1]!)), TraceWriteError);
      await writer.close();
    }
  });

  t('an empty trace reads back as no frames', async () => {
    const reader = spec.open(file());
    const path = reader.file;
    await writeAll(spec.create(path), []);
    assert.equal(await readAll(reader), []);
    assert.equal([reader.stats.frames, reader.stats.malformed], [0, 0]);
  });

  t('small chunks (512 bytes, lines and objects cut everywhere) give the same frames and stats', async () => {
    const path = file();
    const frames = commonFrames(T0);
    await writeAll(spec.create(path), frames);
    const big = spec.open(path);
    const small = spec.open(path, { chunkBytes: 512 });
    assert.equal(await readAll(small), await readAll(big));
    assert.equal(small.stats, big.stats);
  });

  t('batches() and for-await agree; stats count frames and bytes and reset per pass', async () => {
    const path = file();
    const frames = commonFrames(T0);
    await writeAll(spec.create(path), frames);
    const reader = spec.open(path);
    const batched: CanFrame[] = [];
    for await (const batch of reader.batches()) batched.push(...batch);
    assert.equal(batched, frames);
    assert.equal(await readAll(reader), frames);
    assert.is(reader.stats.frames, frames.length);
    assert.is(reader.stats.malformed, 0);
    assert.is(reader.stats.bytesRead, statSync(path).size);
    assert.is(reader.format, spec.format);
  });

  t('breaking out of the loop closes the file', async () => {
    const path = file();
    await writeAll(spec.create(path), commonFrames(T0));
    const before = openFds();
    for await (const f of spec.open(path)) {
      assert.is(f.id, 0x123);
      break;
    }
    assert.is(openFds(), before);
  });

  t('refuses frames no bus can carry, and writes after close, with TraceWriteError', async () => {
    const path = file();
    const writer = spec.create(path);
    const nine = await rejection(writer.write(frame({ id: 1, data: count(9) })));
    assert.instance(nine, TraceWriteError);
    assert.is(nine.message, `${path}: frame 0: 9 data bytes is not a valid CAN length`);
    const big = await rejection(writer.write(frame({ id: 0x800 })));
    assert.is(big.message, `${path}: frame 1: id 0x800 exceeds 0x7FF`);
    await writer.write(frame({ id: 1 }));
    await writer.close();
    const late = await rejection(writer.write(frame({ id: 2 })));
    assert.is(late.message, `${path}: frame 3: the writer is closed`);
    assert.equal(await readAll(spec.open(path)), [frame({ id: 1 })]);
  });

  t.run();
}
