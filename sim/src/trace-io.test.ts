import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SimError, TraceFormatError } from './errors.ts';
import { bytes, frame, readAll, rejection, SAMPLES, tempDir, writeAll } from '../test/trace-fixtures.ts';
import { createTraceWriter, detectTraceFormat, openTraceReader, TraceWriteError } from './trace-io.ts';
import type { TraceFormat } from './trace.ts';

const tmp = tempDir('trace-io');
test.after(() => tmp.cleanup());
const write = (name: string, content: string | Uint8Array): string => {
  const path = tmp.path(name);
  writeFileSync(path, content);
  return path;
};

test('every real sample is told by its content', async () => {
  const samples: [string, TraceFormat, number][] = [
    ['moteclog_can_sample_head20000.log', 'candump', 20000],
    ['pythoncan_logfile.asc', 'asc', 20],
    ['pythoncan_issue_1256.asc', 'asc', 1457],
    ['pythoncan_test_CanFdMessage64.asc', 'asc', 2],
    ['pythoncan_test_CanMessage_V1_1.trc', 'trc', 11],
    ['pythoncan_test_CanMessage_V2_1.trc', 'trc', 11],
    ['pythoncan_test_CanMessage.blf', 'blf', 2],
    ['pythoncan_test_CanFdMessage64.blf', 'blf', 2],
  ];
  for (const [name, format, frames] of samples) {
    // A neutral extension, so only the content can tell.
    const path = tmp.path(`${name}.bin`);
    copyFileSync(join(SAMPLES, name), path);
    const reader = await openTraceReader(path);
    assert.is(reader.format, format, name);
    assert.is((await readAll(reader)).length, frames, name);
  }
});

test('a trace that cannot be opened says which file and why', async () => {
  const t = tempDir('unopenable');
  try {
    const missing = await rejection(openTraceReader(t.path('gone.log')));
    assert.instance(missing, SimError);
    assert.is((missing as SimError).code, 'TRACE_UNREADABLE');
    assert.is(missing.message, `${t.path('gone.log')}: cannot open the trace: no such file`);
  } finally {
    t.cleanup();
  }
});

test('content beats the extension: a .trc holding candump lines is candump', async () => {
  const path = write('really-candump.trc', '(1436509052.249713) vcan0 044#2A366C2BBA\n');
  const reader = await openTraceReader(path);
  assert.is(reader.format, 'candump');
  assert.equal(await readAll(reader), [frame({ timestampUs: 1436509052249713, bus: 'vcan0', id: 0x44, data: bytes('2A366C2BBA') })]);
  assert.is((await openTraceReader(write('really-asc.log', '\n\n   0.5 1  64  Rx   d 1 01\n'))).format, 'asc');
  assert.is((await openTraceReader(write('really-csv.asc', '\uFEFFtimestamp,bus,id,extended,fd,brs,esi,rtr,error,data\n'))).format, 'csv');
  assert.is((await openTraceReader(write('peak-1-0.csv', '   1)      1841  0001  8  00 11 22 33 44 55 66 77\n'))).format, 'trc');
});

test('options.format skips detection; an empty file goes by its extension', async () => {
  const path = write('forced.txt', '(1.000000) can0 123#00\n');
  assert.is((await openTraceReader(path, { format: 'candump' })).format, 'candump');
  assert.is((await openTraceReader(write('empty.asc', ''))).format, 'asc');
  assert.is(detectTraceFormat(new Uint8Array(0), 'x.blf'), 'blf');
});

test('an unknown format is a TraceFormatError saying what was seen', async () => {
  const text = write('notes.txt', '\nhello world\nsecond line\n');
  const err = await rejection(openTraceReader(text));
  assert.instance(err, TraceFormatError);
  assert.is(err.message, `${text}:2: unknown trace format (expected candump, Vector ASC, PEAK TRC, Vector BLF or CSV): "hello world"`);
  const mf4 = join(SAMPLES, 'css_2F6913DB_00000001.MF4');
  assert.is((await rejection(openTraceReader(mf4))).message, `${mf4}@0: an ASAM MDF (MF4) file: not a supported trace format (convert it to BLF, ASC, TRC, candump or CSV): "556E46696E4D4620342E313120202020"`);
  const binary = write('random.bin', Uint8Array.from([0x00, 0x01, 0xfe, 0x4c, 0x4f, 0x47]));
  assert.is((await rejection(openTraceReader(binary))).message, `${binary}@0: unknown trace format (binary, but not BLF: no "LOGG" magic): "0001FE4C4F47"`);
  const empty = write('empty.dat', '');
  assert.is((await rejection(openTraceReader(empty))).message, `${empty}@0: unknown trace format: the file is empty and its extension tells nothing`);
});

test('createTraceWriter: format from the extension, or given; unknown extensions refused', async () => {
  const f = frame({ timestampUs: 1_000_000, id: 0x123, data: bytes('01') });
  for (const ext of ['log', 'asc', 'trc', 'blf', 'csv']) {
    const path = tmp.path(`out.${ext}`);
    const writer = createTraceWriter(path);
    await writeAll(writer, [f]);
    const reader = await openTraceReader(path);
    assert.is(reader.format, writer.format, ext);
    assert.equal(await readAll(reader), [f], ext);
  }
  assert.is(createTraceWriter(tmp.path('out.txt'), 'csv').format, 'csv');
  const odd = tmp.path('out.txt');
  try {
    createTraceWriter(odd);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, TraceWriteError);
    assert.is((err as Error).message, `${odd}: cannot tell the trace format from the extension .txt: use .log, .asc, .trc, .blf or .csv, or give the format`);
  }
});

test('a file that cannot be created: close() rejects with the fs error, nothing crashes', async () => {
  for (const ext of ['log', 'asc', 'trc', 'blf', 'csv']) {
    const writer = createTraceWriter(tmp.path(`no/such/dir/out.${ext}`));
    await writer.write(frame({ id: 1 })).catch(() => undefined);
    const err = await rejection(writer.close());
    assert.is((err as NodeJS.ErrnoException).code, 'ENOENT', ext);
  }
});

test.run();
