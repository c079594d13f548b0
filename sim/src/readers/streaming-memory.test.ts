import { appendFileSync, statSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir } from '../../test/trace-fixtures.ts';
import { createBlfWriter } from './blf-writer.ts';
import { openBlfReader } from './blf-reader.ts';
import { openCandumpReader } from './candump.ts';
import type { BatchTraceReader } from './reader-base.ts';

/** Size of the generated candump log, and of the BLF's objects before compression. */
const FILE_BYTES = 20 << 20;
/** Fraction of the file read at the first heap measurement. */
const EARLY_POINT = 0.1;
/** Fraction of the file read at the second. */
const LATE_POINT = 0.95;
/** Allowed heap growth between the two measurements (17 MiB of the file are read in between). */
const MAX_GROWTH_BYTES = 4 << 20;

const tmp = tempDir('memory');
test.after(() => tmp.cleanup());

/** A real `gc()`: the flag is switched on at run time, a fresh context picks the function up. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * Heap used at 10 % and at 95 % of the way through (by `progress`, 0..1), measured while the
 * reader is mid-file, after a full GC.
 */
async function heapAtTwoPoints(reader: BatchTraceReader, progress: () => number): Promise<[number, number]> {
  const gc = exposeGc();
  let early = 0;
  let late = 0;
  for await (const f of reader) {
    void f;
    if (early === 0 && progress() >= EARLY_POINT) {
      gc();
      early = process.memoryUsage().heapUsed;
    } else if (late === 0 && progress() >= LATE_POINT) {
      gc();
      late = process.memoryUsage().heapUsed;
    }
  }
  return [early, late];
}

test('candump: a 20 MiB log streams in constant memory', async () => {
  const path = tmp.path('big.log');
  const lines: string[] = [];
  for (let i = 0; i < 10_000; i++) lines.push(`(1631416514.${String(i).padStart(6, '0')}) can${i % 3} ${(i & 0x7ff).toString(16).toUpperCase().padStart(3, '0')}#0000FFFF1000${(i & 0xff).toString(16).padStart(2, '0')}00`);
  const block = `${lines.join('\n')}\n`;
  writeFileSync(path, '');
  while (statSync(path).size < FILE_BYTES) appendFileSync(path, block);
  const reader = openCandumpReader(path);
  const size = statSync(path).size;
  const [early, late] = await heapAtTwoPoints(reader, () => reader.stats.bytesRead / size);
  assert.ok(early > 0 && late > 0);
  assert.ok(late - early < MAX_GROWTH_BYTES, `heap grew by ${late - early} bytes`);
  assert.is(reader.stats.malformed, 0);
});

test('BLF: 20 MiB of objects in zlib containers stream in constant memory', async () => {
  const path = tmp.path('big.blf');
  const writer = createBlfWriter(path, { compressionLevel: 1 });
  const data = new Uint8Array(8);
  const frames = Math.ceil(FILE_BYTES / 48);
  for (let i = 0; i < frames; i++) {
    data[0] = i & 0xff;
    await writer.write({ timestampUs: 1_700_000_000_000_000 + i * 100, bus: `can${i & 1}`, id: i & 0x7ff, extended: false, fd: false, brs: false, esi: false, rtr: false, error: false, data: data.slice() });
  }
  await writer.close();
  const reader = openBlfReader(path);
  const [early, late] = await heapAtTwoPoints(reader, () => reader.stats.frames / frames);
  assert.ok(early > 0 && late > 0);
  assert.ok(late - early < MAX_GROWTH_BYTES, `heap grew by ${late - early} bytes`);
  assert.is(reader.stats.frames, frames);
});

test.run();
