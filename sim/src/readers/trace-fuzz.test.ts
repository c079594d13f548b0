import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadTraceSeeds, makeTraceFuzzInput, runTraceFuzz, type TraceSeed } from './trace-fuzz.ts';

/** Inputs of the short run (the script runs 100 000: `node --import tsx scripts/fuzz-traces.ts`). */
const SHORT_RUN = 2000;
let seeds: TraceSeed[];

test.before(async () => {
  seeds = await loadTraceSeeds();
});

test('seeds: every real sample and a written trace of every format', () => {
  assert.equal([...new Set(seeds.map((s) => s.format))].sort(), ['asc', 'blf', 'candump', 'csv', 'trc']);
  assert.is(seeds.length, 14);
});

test('an input is rebuilt from (seed, index) alone; mutation never changes a seed', () => {
  const before = seeds.map((s) => Buffer.from(s.bytes).toString('base64'));
  const a = makeTraceFuzzInput(seeds, 42, 1234);
  for (let i = 0; i < 500; i++) makeTraceFuzzInput(seeds, 42, i);
  const b = makeTraceFuzzInput(seeds, 42, 1234);
  assert.is(a.seed.name, b.seed.name);
  assert.equal(a.bytes, b.bytes);
  assert.equal(seeds.map((s) => Buffer.from(s.bytes).toString('base64')), before);
});

test(`${SHORT_RUN} mutated inputs: frames or typed errors only, in every reader`, async () => {
  const summary = await runTraceFuzz(seeds, 7, 0, SHORT_RUN);
  assert.equal(summary.bugs.map((b) => `input ${b.index} (${b.seed}, ${b.mode}): ${b.detail}`), []);
  assert.is(summary.inputs, SHORT_RUN);
  assert.ok(summary.ok > 0 && summary.typed > 0);
  for (const format of ['candump', 'asc', 'trc', 'blf', 'csv']) assert.ok((summary.byFormat[format] ?? 0) > 50, format);
});

test.run();
