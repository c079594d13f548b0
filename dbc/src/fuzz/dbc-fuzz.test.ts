import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { realDbcFiles } from '../../test/shared-data.ts';
import { DbcSemanticError, DbcSyntaxError, FrameEncodeError } from '../errors.ts';
import {
  classifyError,
  FuzzInvariantError,
  loadDbcCorpus,
  makeFuzzInput,
  runDbcFuzz,
  runOnInput,
  type FuzzBug,
  type FuzzInput,
  type FuzzReport,
} from './dbc-fuzz.ts';

/** The short run that is part of the tests; the full 100k is `npm run fuzz:dbc`. */
const SHORT_RUN_INPUTS = 3000;
const SHORT_RUN_SEED = 1;

const dirs = [...new Set(realDbcFiles().map((f) => f.slice(0, f.lastIndexOf('/') + 1)))];
const corpus = loadDbcCorpus(dirs);

function input(text: string, name = 'in.dbc'): FuzzInput {
  return { seed: 1, index: 0, source: name, name, bytes: new TextEncoder().encode(text) };
}

function describe(b: FuzzBug): string {
  return `#${b.index} (${b.source}, ${b.phase}): ${b.problem}\n${b.stack.split('\n').slice(0, 4).join('\n')}`;
}

/** One short run shared by the tests below (about 3 s). */
let shortRun: FuzzReport | null = null;
function shortRunReport(): FuzzReport {
  shortRun ??= runDbcFuzz({ seed: SHORT_RUN_SEED, count: SHORT_RUN_INPUTS, corpus });
  return shortRun;
}

// Replay any finding below with: node --import tsx scripts/fuzz-dbc.ts --seed 1 --replay <index>
test(`${SHORT_RUN_INPUTS} mutated DBCs: no crash (only results or typed errors with a good location)`, () => {
  const report = shortRunReport();
  assert.is(report.inputs, SHORT_RUN_INPUTS);
  assert.is(report.ok + report.typed + report.bugs.length, SHORT_RUN_INPUTS);
  assert.equal(report.bugs.filter((b) => b.kind !== 'invariant').map(describe), []);
});

test(`${SHORT_RUN_INPUTS} mutated DBCs: no wrong result (model limits, dispatch, decoded values)`, () => {
  assert.equal(shortRunReport().bugs.filter((b) => b.kind === 'invariant').map(describe), []);
});

test(`${SHORT_RUN_INPUTS} mutated DBCs: both valid and invalid inputs occur`, () => {
  const report = shortRunReport();
  assert.ok(report.ok > SHORT_RUN_INPUTS / 20, `only ${report.ok} inputs loaded`);
  assert.ok(report.typed > SHORT_RUN_INPUTS / 20, `only ${report.typed} inputs were refused`);
  assert.ok(report.codes['DBC_SYNTAX']! > 0 && report.codes['DBC_SEMANTIC']! > 0);
});

test('an input is the same bytes for the same seed and index, and differs otherwise', () => {
  const a = makeFuzzInput(corpus, 42, 7);
  assert.equal(makeFuzzInput(corpus, 42, 7), a);
  assert.is(a.name, `7-${a.source}`);
  assert.not.equal(makeFuzzInput(corpus, 42, 8).bytes, a.bytes);
  assert.not.equal(makeFuzzInput(corpus, 43, 7).bytes, a.bytes);
});

test('a TypeError thrown by the target is reported as a bug with its input', () => {
  const r = runOnInput(input('BO_ 1 A: 8 X'), () => {
    throw new TypeError('x is undefined');
  });
  assert.is(r.outcome, 'bug');
  assert.is(r.code, 'BUG:TypeError');
  assert.is(r.bug?.kind, 'bug');
  assert.is(r.bug?.message, 'x is undefined');
  assert.is(new TextDecoder().decode(r.bug?.input), 'BO_ 1 A: 8 X');
});

test('a broken invariant (e.g. a decoded value that is not a number) is a bug', () => {
  const r = runOnInput(input(''), () => {
    throw new FuzzInvariantError('A.S decoded to a object');
  });
  assert.is(r.outcome, 'bug');
  assert.is(r.bug?.kind, 'invariant');
  assert.is(r.bug?.problem, 'invariant broken: A.S decoded to a object');
});

test('the real pipeline: a valid DBC is ok, a broken one typed', () => {
  const dbc = 'BO_ 256 A: 8 X\n SG_ S : 0|8@1+ (1,0) [0|0] "" X\n';
  assert.is(runOnInput(input(dbc)).outcome, 'ok');
  const refused = runOnInput(input('BO_ 256 A: 8 X\n SG_ S : 0|99@1+ (1,0) [0|0] "" X\n'));
  assert.is(refused.outcome, 'typed');
  assert.is(refused.code, 'DBC_SYNTAX');
});

test('classifyError: typed errors with a good location are typed; anything else is a bug', () => {
  const at = { name: 'in.dbc', bytes: new TextEncoder().encode('a\nb\n') };
  assert.equal(classifyError(new DbcSyntaxError('in.dbc', 2, 1, "';'", '>>!<<b'), at), { outcome: 'typed', code: 'DBC_SYNTAX', problem: null });
  assert.equal(classifyError(new FrameEncodeError('m', 'OUT_OF_RANGE', 'M', 'S'), at), { outcome: 'typed', code: 'OUT_OF_RANGE', problem: null });
  const bad = (err: unknown): string | null => (classifyError(err, at).outcome === 'bug' ? classifyError(err, at).problem : null);
  assert.is(bad(new DbcSyntaxError('in.dbc', 0, 1, "';'", '')), "DbcSyntaxError: line 0 / column 1 is not a positive integer");
  assert.is(bad(new DbcSemanticError('in.dbc', 1, 1.5, 'x')), 'DbcSemanticError: line 1 / column 1.5 is not a positive integer');
  assert.is(bad(new DbcSemanticError('in.dbc', 4, 1, 'x')), 'DbcSemanticError: line 4 is past the end of the input');
  assert.is(bad(new DbcSyntaxError('other.dbc', 1, 1, "';'", '')), 'DbcSyntaxError: file is "other.dbc", not "in.dbc"');
  const relabelled = new DbcSemanticError('in.dbc', 1, 1, 'x');
  relabelled.message = 'x';
  assert.is(bad(relabelled), 'DbcSemanticError: message does not start with <file>:<line>:<column>:');
  assert.is(bad(new RangeError('Maximum call stack size exceeded')), 'threw RangeError, not a DbcError');
  assert.is(bad(new SyntaxError('Unexpected token')), 'threw SyntaxError, not a DbcError');
  assert.is(bad('a string'), 'threw string, not a DbcError');
});

test.run();
