#!/usr/bin/env -S node --import tsx
/**
 * Replay timing accuracy (issue #4): plays a synthetic trace in real time into a no-op sink and
 * reports how late frames went out vs the trace's timestamps. Usage: node --import tsx scripts/bench-player.ts [--seconds N]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadScenario, SyntheticVehicle } from '../sim/index.ts';
import { realClock } from '../sim/src/player/clock.ts';
import { Player } from '../sim/src/player/player.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('Usage: node --import tsx scripts/bench-player.ts [--seconds N]\n\nReplays N seconds of the demo commute (~85 frames/s) and a 4,000 frames/s trace in real time; prints lateness p50/p99/max.');
  process.exit(0);
}
const seconds = Number(values.seconds);
const vehicle = new SyntheticVehicle(loadScenario(fileURLToPath(new URL('../sim/scenarios/ev-commute-low-charge.json', import.meta.url))));
const commute = [...vehicle.frames(0, seconds * 1000, 1_700_000_000_000_000)];
// A dense trace: 4,000 frames/s, evenly spaced.
const dense = Array.from({ length: seconds * 4000 }, (_, i) => ({ ...commute[i % commute.length]!, timestampUs: 1_700_000_000_000_000 + i * 250 }));
for (const [name, trace] of [['demo commute', commute], ['4,000 frames/s', dense]] as const) {
  const stats = await new Player(() => (async function* () { yield* trace; })(), new Map([['*', () => {}]]), {}, realClock).play();
  console.log(`${name}: ${stats.frames} frames over ${seconds} s, late p50 ${stats.lateP50Ms.toFixed(3)} ms, p99 ${stats.lateP99Ms.toFixed(3)} ms, max ${stats.lateMaxMs.toFixed(2)} ms`);
}
