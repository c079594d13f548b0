/**
 * `headunit replay` and `headunit record` on real SocketCAN. Needs a kernel with CAN and vcan0
 * up, so `replay-socketcan.test.ts` runs this file inside ../shared/tools/vcan-vm; it is not a
 * `*.test.ts`, so the host's test run does not load it directly. Commands run in-process (one
 * node start-up in the emulated VM instead of three).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatCandumpLine } from '../readers/candump-line.ts';
import { recordCommand } from './record.ts';
import { replayCommand } from './replay.ts';

const WORK = fileURLToPath(new URL('../../../.vcan-vm/replay-work/', import.meta.url));

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { io: { stdin: new PassThrough(), stdout, stderr }, text: () => ({ out, err }) };
}

/** 200 frames 2 ms apart on two trace buses: classic 11-bit, 29-bit, and CAN FD. */
function writeTrace(file: string): string[] {
  const lines: string[] = [];
  for (let i = 0; i < 200; i++) {
    const fd = i % 10 === 9;
    const data = Uint8Array.from({ length: fd ? 12 : 8 }, (_, k) => (i * 7 + k) & 0xff);
    const extended = i % 3 === 1;
    const id = extended ? 0x18fef100 + (i % 4) : 0x100 + (i % 16);
    lines.push(formatCandumpLine({ timestampUs: 1_700_000_000_000_000 + i * 2000, bus: i % 2 ? 'can1' : 'can0', id, extended, fd, brs: false, esi: false, rtr: false, error: false, data }));
  }
  writeFileSync(file, lines.join('\n') + '\n');
  return lines;
}

/** The candump line without its timestamp and bus: what must arrive unchanged. */
const body = (line: string): string => line.replace(/^\(\d+\.\d+\) \S+ /, '');

test('replay plays a trace onto vcan0 in order, byte for byte, and record writes it back', async () => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const trace = join(WORK, 'in.log');
  const lines = writeTrace(trace);
  const recorded = join(WORK, 'out.log');
  const rec = io();
  const recording = recordCommand.run(['socketcan:vcan0', '-o', recorded, '-n', String(lines.length), '-T', '60000'], rec.io);
  await new Promise((r) => setTimeout(r, 1500)); // the recorder's socket is bound before the first frame
  const rep = io();
  const code = await replayCommand.run([trace, '--to', 'socketcan:vcan0'], rep.io);
  assert.is(code, 0, rep.text().err);
  assert.is(await recording, 0, rec.text().err);
  const got = readFileSync(recorded, 'utf8').trim().split('\n');
  assert.is(got.length, lines.length);
  assert.equal(got.map(body), lines.map(body));
  // Real time: the 398 ms trace takes about that long; the report says how late frames went out.
  const report = rep.text().err; // the report goes to stderr, like candump's status lines
  console.log(`    replay to vcan0: ${report.trim().split('\n').filter((l) => /late|replayed/.test(l)).join(' | ')}`);
  assert.match(report, /replayed 200 frames/);
  rmSync(WORK, { recursive: true, force: true });
});

test.run();
