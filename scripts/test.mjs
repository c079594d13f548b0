#!/usr/bin/env node
// The project's test command: type-check, then every uvu test file, then one closing
// line `N passed, N failed` that CI reads. Exit code is non-zero when anything failed.
//
// Test files are `*.test.ts` beside the code they test (see README "Tests").
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const only = process.argv[2]; // optional pattern, e.g. `npm test -- codec`

let failedSteps = 0;
console.log('> tsc --noEmit');
const tsc = spawnSync(bin('tsc'), ['--noEmit', '-p', root], { stdio: 'inherit', cwd: root });
if (tsc.status !== 0) failedSteps++;

const pattern = only ? `(${only}).*\\.test\\.ts$` : '\\.test\\.ts$';
console.log(`> uvu -r tsx . ${pattern}`);
const uvu = spawnSync(bin('uvu'), ['-r', 'tsx', '.', pattern, '-i', 'node_modules'], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  maxBuffer: 256 * 1024 * 1024,
});
process.stdout.write(uvu.stdout ?? '');

const total = Number(/Total:\s+(\d+)/.exec(uvu.stdout ?? '')?.[1] ?? 0);
const passed = Number(/Passed:\s+(\d+)/.exec(uvu.stdout ?? '')?.[1] ?? 0);
const skipped = Number(/Skipped:\s+(\d+)/.exec(uvu.stdout ?? '')?.[1] ?? 0);
// A crash before uvu's summary counts as one failure, never as success.
let failed = total - passed - skipped;
if (uvu.status !== 0 && failed === 0) failed = 1;
failed += failedSteps;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 && total > 0 ? 0 : 1);
