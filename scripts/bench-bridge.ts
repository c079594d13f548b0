// UART bridge throughput (issue #3: ">= 50k frames/s over a PTY with CRC checking"). Measures the
// pure codec (decode, delivery into CanFrame objects, encode) in this process, then frames
// carried over a socat PTY pair from the MCU emulator, run in a child process, to the host link
// here, every packet CRC-checked. Exit code 1 when the PTY figure misses the target.
//
//   node --import tsx scripts/bench-bridge.ts [--frames 500000]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CanFrame } from '../dbc/index.ts';
import { BatchDelivery } from '../firmware-bridge/src/uart/batch-delivery.ts';
import { addRecord, BatchReader, beginBatch, finishBatch, PacketDecoder, PacketWriter } from '../firmware-bridge/src/uart/protocol.ts';
import { parseLinkUrl } from '../firmware-bridge/src/link-url.ts';
import { UartBridgeLink } from '../firmware-bridge/src/uart/uart-bridge-link.ts';
import { McuBridgeEmulator } from '../sim/src/emulators/mcu-bridge.ts';
import { socatAvailable, startPtyPair } from '../sim/src/emulators/pty-pair.ts';
import { formatSites, sampleAllocations, type AllocationReport } from './alloc-sampler.ts';

const HELP = `Usage: node --import tsx scripts/bench-bridge.ts [options]

Measures the UART bridge: the codec's decode rate (COBS, CRC-16, batch checks, record walk),
its delivery rate into CanFrame objects, its encode rate, and frames per second carried over a
socat PTY pair from the MCU emulator (a child process) to the host link, CRC-checked; then heap
bytes allocated per frame (V8's sampling heap profiler, freed objects included) in the codec
and in the whole receive path of a second, untimed PTY run.

Options:
  --frames N   frames to send over the PTY (default 500000)
  --batch N    frames per CAN_BATCH on the MCU side (default 64)
  -h, --help   this text

Target: >= 50000 frames/s over the PTY (exit code 1 when missed).`;

const TARGET_FPS = 50_000;
/** Frames per batch in the codec measurements. */
const CODEC_BATCH = 53;

/** A stream of CAN_BATCH packets of classic 8-byte frames, as the MCU would send them. */
function encodeStream(packets: number, perBatch: number): { bytes: Buffer; frames: number; encodeFps: number } {
  const w = new PacketWriter();
  const data = new Uint8Array(8);
  const parts: Buffer[] = [];
  const t0 = performance.now();
  let frameSeq = 0;
  for (let p = 0; p < packets; p++) {
    beginBatch(w, (p + 1) & 0xffff, frameSeq);
    for (let k = 0; k < perBatch; k++) {
      data[0] = k;
      data[7] = p & 0xff;
      addRecord(w, frameSeq * 100, 0x100 + (k % 0x400), 0, 0, data);
      frameSeq++;
    }
    parts.push(Buffer.from(finishBatch(w, perBatch)));
  }
  const ms = performance.now() - t0;
  return { bytes: Buffer.concat(parts), frames: frameSeq, encodeFps: frameSeq / (ms / 1000) };
}

/** Runs `fn` over and over for about `ms` and returns runs per second. */
function rate(fn: () => void, ms = 1500): number {
  fn();
  let runs = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    fn();
    runs++;
  }
  return runs / ((performance.now() - t0) / 1000);
}

function codecFigures(): string[] {
  const { bytes, frames, encodeFps } = encodeStream(2000, CODEC_BATCH);
  const reader = new BatchReader();
  let sink = 0;
  const decoder = new PacketDecoder((p) => {
    if (reader.check(p.buf, p.payloadOffset, p.payloadLength) !== null) throw new Error('bench stream is malformed');
    while (reader.next()) sink += reader.id + p.buf[reader.dataOffset]!;
  });
  const decodeRuns = rate(() => decoder.push(bytes));
  let delivered = 0;
  const delivery = new BatchDelivery('bench', 0, (f: CanFrame) => {
    delivered += f.data.length > 0 ? 1 : 0;
  });
  const decoder2 = new PacketDecoder((p) => void delivery.batch(p));
  const deliverRuns = rate(() => {
    delivery.restart(0, 0);
    decoder2.push(bytes);
  });
  if (sink === 0 || delivered === 0 || decoder.counts.crcErrors > 0) throw new Error('bench decoded nothing');
  const mb = bytes.length / 1e6;
  return [
    `  codec decode  (COBS + CRC-16 + batch check + record walk, no allocation): ${((decodeRuns * frames) / 1e6).toFixed(2)} M frames/s, ${(decodeRuns * mb).toFixed(0)} MB/s`,
    `  codec deliver (the link's path into CanFrame objects):                     ${((deliverRuns * frames) / 1e6).toFixed(2)} M frames/s`,
    `  codec encode  (MCU side, ${CODEC_BATCH} classic frames per CAN_BATCH, one run):        ${(encodeFps / 1e6).toFixed(2)} M frames/s`,
  ];
}

/** Heap bytes per frame: the codec's check-and-walk, its delivery into CanFrames, the whole receive path. */
async function allocationFigures(frames: number, batch: number): Promise<void> {
  const { bytes, frames: streamFrames } = encodeStream(Math.ceil(frames / CODEC_BATCH), CODEC_BATCH);
  const reader = new BatchReader();
  let sink = 0;
  const walk = new PacketDecoder((p) => {
    if (reader.check(p.buf, p.payloadOffset, p.payloadLength) === null) while (reader.next()) sink += reader.id;
  });
  walk.push(bytes); // warm up
  const decode = await sampleAllocations(() => walk.push(bytes));
  const delivery = new BatchDelivery('bench', 0, (f: CanFrame) => void (sink += f.data.length));
  const deliver = new PacketDecoder((p) => void delivery.batch(p));
  deliver.push(bytes);
  const delivered = await sampleAllocations(() => {
    delivery.restart(0, 0);
    deliver.push(bytes);
  });
  const path = (await ptyFigure(frames, batch, true)).alloc!;
  console.log(`  allocation (V8 sampling heap profiler, bytes per frame; sink ${sink > 0 ? 'ok' : 'empty'}):`);
  console.log(`    codec decode (COBS, CRC, batch check, record walk): ${(decode.bytes / streamFrames).toFixed(1)} B`);
  console.log(`    codec deliver (into CanFrame objects):              ${(delivered.bytes / streamFrames).toFixed(0)} B`);
  for (const line of formatSites(delivered, streamFrames)) console.log(line);
  console.log(`    whole receive path over the PTY (${frames} frames):     ${(path.bytes / frames).toFixed(0)} B (serial reads, decoder, queue, for-await)`);
  for (const line of formatSites(path, frames)) console.log(line);
}

/** Child process: the MCU emulator on `path`, sending `frames` frames as fast as the UART drains. */
async function emulatorMain(path: string, frames: number, batch: number): Promise<void> {
  const emu = new McuBridgeEmulator({ path, baudRate: 3_000_000, batchFrames: batch, batchDelayMs: 1 });
  await emu.open();
  await new Promise<void>((resolve) => emu.once('session', () => resolve()));
  const data = new Uint8Array(8);
  function* source(): Generator<CanFrame> {
    const f: CanFrame = { timestampUs: 0, bus: 'b', id: 0, extended: false, fd: false, brs: false, esi: false, rtr: false, error: false, data };
    for (let i = 0; i < frames; i++) {
      f.id = 0x100 + (i % 0x400);
      data[0] = i & 0xff;
      yield f;
    }
  }
  await emu.replay(source(), { timing: 'ignore' });
  process.on('SIGTERM', () => void emu.close().then(() => process.exit(0)));
}

async function ptyFigure(frames: number, batch: number, sample = false): Promise<{ line: string; fps: number; alloc: AllocationReport | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bridge-'));
  const pair = await startPtyPair(join(dir, 'host'), join(dir, 'mcu'));
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--emulator', pair.b, '--frames', String(frames), '--batch', String(batch)], { stdio: ['ignore', 'inherit', 'inherit'] });
  const link = new UartBridgeLink(parseLinkUrl(`bridge:${pair.a}?baud=3000000&handshake=10000&timeout=2000`), {});
  try {
    await link.open();
    let first = 0;
    let last = 0;
    let stalled = false;
    // A watchdog instead of a timer per frame: the loop below must cost no more than the link.
    let seen = -1;
    const watchdog = setInterval(() => {
      if (link.counters.rxFrames + link.bridgeStats.framesLost >= frames || link.counters.rxFrames === seen) {
        stalled = link.counters.rxFrames + link.bridgeStats.framesLost < frames;
        void link.close();
      }
      seen = link.counters.rxFrames;
    }, 2000);
    const receive = async (): Promise<void> => {
      for await (const _ of link) {
        last = performance.now();
        if (first === 0) first = last;
        if (link.counters.rxFrames >= frames) break;
      }
    };
    const alloc = sample ? await sampleAllocations(receive) : (await receive(), null);
    clearInterval(watchdog);
    if (stalled) throw new Error(`stalled after ${link.counters.rxFrames} frames`);
    const fps = (link.counters.rxFrames - 1) / ((last - first) / 1000);
    const s = link.bridgeStats;
    const d = s.decoder;
    const line = `  over a PTY (emulator process → socat → host link, CRC-checked, ${batch} per batch): ${Math.round(fps)} frames/s, ${(d.bytes / 1e6 / ((last - first) / 1000)).toFixed(1)} MB/s (${link.counters.rxFrames} delivered, ${s.framesLost} lost, ${d.crcErrors} CRC errors, ${link.counters.rxOverflows} queue overflows)`;
    return { line, fps, alloc };
  } finally {
    await link.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await pair.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { frames: { type: 'string', default: '500000' }, batch: { type: 'string', default: '64' }, emulator: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return (console.log(HELP), 0);
  const frames = Number(values.frames);
  const batch = Number(values.batch);
  if (!Number.isInteger(frames) || frames < 1000 || !Number.isInteger(batch) || batch < 1 || batch > 255) {
    console.error('bench-bridge: --frames must be a whole number >= 1000 and --batch 1..255; see --help');
    return 2;
  }
  if (values.emulator) return (await emulatorMain(values.emulator, frames, batch), 0);
  console.log(`uart bridge bench: node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}`);
  for (const line of codecFigures()) console.log(line);
  if (!socatAvailable()) {
    console.log('  over a PTY: skipped, socat is not installed (apt-get install socat)');
    return 1;
  }
  const { line, fps } = await ptyFigure(frames, batch);
  console.log(line);
  console.log(`  target >= ${TARGET_FPS} frames/s over the PTY: ${fps >= TARGET_FPS ? 'met' : 'NOT met'} (${(fps / TARGET_FPS).toFixed(1)}x)`);
  await allocationFigures(Math.min(frames, 100_000), batch);
  return fps >= TARGET_FPS ? 0 : 1;
}

const code = await main();
if (code !== 0 || !process.argv.includes('--emulator')) process.exitCode = code;
