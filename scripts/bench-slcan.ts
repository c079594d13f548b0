// SLCAN receive throughput (issue #3): the pure decoder's parse rate, and frames/s through a
// real PTY pair (socat) from the adapter emulator, which writes as fast as it can from its own
// process, to an `SlcanLink` reading and delivering every frame. Target: >= 200k frames/s over the PTY.
//
//   node --import tsx scripts/bench-slcan.ts [--frames N] [--rounds N]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseLinkUrl } from '../firmware-bridge/src/link-url.ts';
import type { OutgoingFrame } from '../firmware-bridge/src/link.ts';
import { SlcanDecoder, encodeFrame } from '../firmware-bridge/src/slcan/slcan-codec.ts';
import { SlcanLink } from '../firmware-bridge/src/slcan/slcan-link.ts';
import { socatAvailable, startPtyPair } from '../sim/src/emulators/pty-pair.ts';
import { SlcanAdapter } from '../sim/src/emulators/slcan-adapter.ts';
import { formatSites, sampleAllocations, type AllocationReport } from './alloc-sampler.ts';

/** The target for SLCAN over a PTY, frames/s. */
const PTY_TARGET = 200_000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HELP = `Usage: node --import tsx scripts/bench-slcan.ts [--frames N] [--rounds N]

Measures SLCAN receive throughput:
  1. the pure decoder (SlcanDecoder) on an in-memory stream, median of --rounds rounds
  2. frames/s over a socat PTY pair: the adapter emulator (own process) writes --frames frames
     as fast as the PTY takes them; an SlcanLink reads, decodes and delivers them in order
  3. heap bytes allocated per frame (V8's sampling heap profiler, freed objects included):
     one CanFrame with its data as the yardstick, the decoder, and the whole receive path
     (serial reads, decoder, queue, async iteration) in a second, untimed PTY run
Needs socat. Exit code 1 when the PTY figure is below ${PTY_TARGET / 1000}k frames/s.`;

/** Frame k of the benchmark stream: a mix of ids and lengths 0-8, every 8th one 29-bit. */
function frameAt(k: number): OutgoingFrame {
  const extended = k % 8 === 0;
  const length = k % 9;
  return { id: extended ? 0x18da0000 + (k & 0xffff) : k & 0x7ff, extended, data: Uint8Array.from({ length }, (_, i) => (k + i) & 0xff) };
}

function benchDecoder(frames: number, rounds: number): { median: number; bytesPerFrame: number } {
  const stream = Buffer.concat(Array.from({ length: frames }, (_, k) => encodeFrame(frameAt(k), 'bench')));
  let count = 0;
  const dec = new SlcanDecoder('bench', 'bench', { frame: () => void count++, ack: () => undefined, reply: () => undefined, error: (e) => { throw e; } });
  const rates: number[] = [];
  for (let r = 0; r < rounds + 1; r++) {
    count = 0;
    const t0 = process.hrtime.bigint();
    // 4 KiB chunks: what a PTY read returns.
    for (let at = 0; at < stream.length; at += 4096) dec.push(stream.subarray(at, at + 4096), 1);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r > 0) rates.push(count / s); // round 0 warms up the JIT
  }
  rates.sort((a, b) => a - b);
  return { median: rates[Math.floor(rates.length / 2)]!, bytesPerFrame: stream.length / frames };
}

async function benchPty(frames: number, sample = false): Promise<{ rate: number; seconds: number; errors: number; overflows: number; outOfOrder: number; alloc: AllocationReport | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-slcan-'));
  const pair = await startPtyPair(join(dir, 'host'), join(dir, 'adapter'));
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--emulator', pair.b, '--frames', String(frames)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`bench-slcan: the emulator process exited with ${code}`)));
  });
  const link = new SlcanLink(parseLinkUrl(`slcan:${pair.a}@500k`), { rxQueueFrames: frames });
  try {
    await link.open();
    let n = 0;
    let outOfOrder = 0;
    let t0 = 0;
    const receive = async (): Promise<void> => {
      for await (const f of link) {
        if (n === 0) t0 = performance.now();
        // Checked without building frame n again: that would allocate in the measured loop.
        if (f.extended !== (n % 8 === 0) || f.data.length !== n % 9 || (f.data.length > 0 && f.data[0] !== (n & 0xff))) outOfOrder++;
        if (++n === frames) break;
      }
    };
    const alloc = sample ? await sampleAllocations(receive) : (await receive(), null);
    const seconds = (performance.now() - t0) / 1000;
    return { rate: frames / seconds, seconds, errors: link.counters.rxErrors, overflows: link.counters.rxOverflows, outOfOrder, alloc };
  } finally {
    await link.close();
    child.kill();
    await pair.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Heap bytes per frame: a bare CanFrame, the decoder, and the link's whole receive path. */
async function allocationFigures(frames: number): Promise<void> {
  const stream = Buffer.concat(Array.from({ length: frames }, (_, k) => encodeFrame(frameAt(k), 'bench')));
  const lengths = Array.from({ length: frames }, (_, k) => k % 9);
  let sink = 0;
  const yardstick = await sampleAllocations(() => {
    for (let k = 0; k < frames; k++) {
      const f = { timestampUs: k, bus: 'bench', id: k, extended: false, fd: false, brs: false, esi: false, rtr: false, error: false, data: new Uint8Array(lengths[k]!) };
      sink += f.data.length;
    }
  });
  const dec = new SlcanDecoder('bench', 'bench', { frame: (f) => void (sink += f.data.length), ack: () => undefined, reply: () => undefined, error: (e) => { throw e; } });
  dec.push(stream, 1); // warm up
  const decoder = await sampleAllocations(() => {
    for (let at = 0; at < stream.length; at += 4096) dec.push(stream.subarray(at, at + 4096), 1);
  });
  const path = (await benchPty(frames, true)).alloc!;
  console.log(`allocation (V8 sampling heap profiler, ${frames} frames, bytes per frame; sink ${sink > 0 ? 'ok' : 'empty'}):`);
  console.log(`  one CanFrame + its data, the yardstick: ${(yardstick.bytes / frames).toFixed(0)} B`);
  console.log(`  decoder (bytes in → CanFrame):          ${(decoder.bytes / frames).toFixed(0)} B`);
  for (const line of formatSites(decoder, frames)) console.log(line);
  console.log(`  whole receive path over the PTY:        ${(path.bytes / frames).toFixed(0)} B (serial reads, decoder, queue, for-await)`);
  for (const line of formatSites(path, frames)) console.log(line);
}

/** Child process: the emulator on `path`, blasting frames once the host opened the channel. */
async function emulator(path: string, frames: number): Promise<void> {
  const adapter = await SlcanAdapter.start({ path, dialect: 'lawicel' });
  process.stdout.write('ready\n');
  while (!adapter.channelOpen) await new Promise((r) => setTimeout(r, 2));
  await adapter.blast(frames, frameAt);
  await new Promise((r) => setTimeout(r, 60_000).unref());
}

async function main(): Promise<number> {
  // `... | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
  const { values } = parseArgs({ options: { frames: { type: 'string', default: '500000' }, rounds: { type: 'string', default: '5' }, emulator: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  const frames = Number(values.frames);
  if (values.help) return (console.log(HELP), 0);
  if (values.emulator) return (await emulator(values.emulator, frames), 0);
  if (!Number.isInteger(frames) || frames < 1) return (console.error(`bench-slcan: --frames ${values.frames} is not a positive whole number`), 2);
  const dec = benchDecoder(Math.min(frames, 200_000), Number(values.rounds));
  console.log(`decoder: median ${(dec.median / 1e6).toFixed(2)} M frames/s (${dec.bytesPerFrame.toFixed(1)} bytes/frame, 4 KiB chunks, ${values.rounds} rounds)`);
  if (!socatAvailable()) return (console.error('bench-slcan: socat is not installed (apt-get install socat); no PTY figure'), 1);
  const pty = await benchPty(frames);
  console.log(`PTY:     ${(pty.rate / 1000).toFixed(0)}k frames/s (${frames} frames in ${pty.seconds.toFixed(2)} s, ${((pty.rate * dec.bytesPerFrame) / 1e6).toFixed(1)} MB/s; rxErrors ${pty.errors}, overflows ${pty.overflows}, out of order ${pty.outOfOrder})`);
  await allocationFigures(Math.min(frames, 100_000));
  const met = pty.rate >= PTY_TARGET && pty.errors === 0 && pty.outOfOrder === 0;
  console.log(`  target >= ${PTY_TARGET / 1000}k frames/s: ${met ? 'met' : 'NOT met'} (${(pty.rate / PTY_TARGET).toFixed(2)}x)`);
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores`);
  return met ? 0 : 1;
}

process.exitCode = await main();
