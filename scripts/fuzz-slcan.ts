// Fuzzes the SLCAN decoder (issue #3) with seeded random, valid and damaged byte streams; see
// firmware-bridge/src/slcan/slcan-fuzz.ts for what is checked. Exit code 1 on any finding.
//
//   node --import tsx scripts/fuzz-slcan.ts [--inputs 100000] [--seed 1] [--replay N]
import { parseArgs } from 'node:util';
import { makeFuzzInput, runSlcanFuzz, type FuzzReport } from '../firmware-bridge/src/slcan/slcan-fuzz.ts';

const HELP = `Usage: node --import tsx scripts/fuzz-slcan.ts [options]

Feeds the SLCAN decoder seeded inputs: random bytes, random SLCAN-alphabet bytes, valid frame
streams, and valid streams with random damage (bit flips, inserted/deleted/repeated bytes, stray
CR/BEL/LF, truncation), each whole and in random chunks. Findings: a throw, a frame no complete
valid line holds ("a frame that was not sent"), a lost frame, a bad error offset, chunking
dependence, an input slower than 1 s.

Options:
  --inputs N   how many inputs (default 100000)
  --seed S     seed (default 1); the same seed gives the same inputs on every machine
  --replay N   print input N of the seed as hex and exit (to reproduce a finding)
  -h, --help   this text

Progress goes to stderr, the summary to stdout. Exit code 1 when there is a finding.`;

function summary(r: FuzzReport, seed: number): string {
  return [
    `slcan fuzz, seed ${seed}: ${r.inputs} inputs, ${(r.bytes / 1e6).toFixed(1)} MB in ${(r.ms / 1000).toFixed(1)} s`,
    `  frames encoded into valid streams: ${r.framesEncoded}; delivered: ${r.framesDelivered}`,
    `  delivered frames made by damage or random bytes out of other valid lines: ${r.framesFromDamage} (SLCAN has no checksum)`,
    `  malformed lines reported and skipped: ${r.errorsReported}`,
    `  findings: ${r.findings.length}`,
  ].join('\n');
}

function main(): number {
  // `... | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
  const { values } = parseArgs({
    options: { inputs: { type: 'string', default: '100000' }, seed: { type: 'string', default: '1' }, replay: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return (console.log(HELP), 0);
  const inputs = Number(values.inputs);
  const seed = Number(values.seed);
  if (!Number.isInteger(inputs) || inputs < 1 || !Number.isInteger(seed)) {
    console.error(`fuzz-slcan: --inputs and --seed must be whole numbers (got ${values.inputs}, ${values.seed}); see --help`);
    return 2;
  }
  if (values.replay !== undefined) return (console.log(Buffer.from(makeFuzzInput(seed, Number(values.replay)).bytes).toString('hex')), 0);
  const report = runSlcanFuzz({
    seed,
    inputs,
    progressEvery: 10_000,
    onProgress: (done, r) => process.stderr.write(`  ${done} / ${inputs} inputs, ${r.findings.length} findings, ${(performance.now() / 1000).toFixed(0)} s\n`),
  });
  console.log(summary(report, seed));
  for (const f of report.findings.slice(0, 10)) {
    console.log(`  ${f.kind} in input ${f.input}: ${f.detail}\n    replay: node --import tsx scripts/fuzz-slcan.ts --seed ${seed} --replay ${f.input}`);
  }
  return report.findings.length > 0 ? 1 : 0;
}

process.exitCode = main();
