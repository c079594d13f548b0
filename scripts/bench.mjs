#!/usr/bin/env node
// `npm run bench`: decode throughput of the DBCs the project is held to (issue #2), each in a
// fresh process so one DBC's JIT state cannot help or hurt another's. Prints each figure, its
// noise, the target, and the ratio to reference decoders. Extra arguments: other DBC files.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const opendbc = join(root, '..', 'shared', 'data', 'dbc', 'opendbc');
const targets = [
  { file: join(opendbc, 'toyota_nodsu_pt_generated.dbc'), target: 30 },
  { file: join(opendbc, 'vw_mqb.dbc'), target: 20 },
  { file: join(opendbc, 'hyundai_canfd_generated.dbc'), target: 20 },
];
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('Usage: npm run bench [-- DBC...]\n\nRuns `headunit bench decode` for each DBC in its own process (default: the three of issue #2).');
  process.exit(0);
}
const runs = args.length > 0 ? args.map((file) => ({ file, target: null })) : targets;
let below = 0;
for (const { file, target } of runs) {
  if (!existsSync(file)) {
    console.error(`bench: ${file} not found (the default DBCs come from ../shared/data/dbc/opendbc)`);
    process.exit(1);
  }
  const r = spawnSync(process.execPath, [join(root, 'runtime/bin/headunit.mjs'), 'bench', 'decode', '--dbc', file], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(1);
  }
  process.stdout.write(r.stdout);
  const median = Number(/median ([\d.]+)/.exec(r.stdout)?.[1]);
  if (target !== null) {
    const ok = median >= target;
    if (!ok) below++;
    console.log(`  target >= ${target} M frames/s: ${ok ? 'met' : 'NOT met'} (${(median / target).toFixed(2)}x)\n`);
  } else console.log('');
}
console.log(`node ${process.version}, ${(await import('node:os')).cpus()[0]?.model ?? 'unknown CPU'}, one thread`);
process.exit(below > 0 ? 1 : 0);
