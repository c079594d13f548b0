import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError } from '../../../dbc/index.ts';
import { FakeLink, type LinkOptions } from '../../../firmware-bridge/index.ts';
import { captureIo } from '../../test/cli-io.ts';
import { readAll } from '../../test/trace-fixtures.ts';
import { openTraceReader } from '../trace-io.ts';
import { createRecordCommand, recordCommand } from './record.ts';

const dir = mkdtempSync(join(tmpdir(), 'headunit-record-'));

/** A record command whose link is a FakeLink the test plays once it is open. */
function rig(play: (link: FakeLink) => void) {
  const options: LinkOptions[] = [];
  const command = createRecordCommand({
    createLink: async (url, o) => {
      options.push(o);
      const link = new FakeLink(url, o);
      link.on('state', (s) => s === 'open' && setImmediate(() => play(link)));
      return link;
    },
  });
  return { command, options };
}

const T0 = 1_700_000_000_000_000;
const playThree = (link: FakeLink): void => {
  link.inject({ id: 0x123, extended: false, data: Uint8Array.of(1, 2) }, T0);
  link.inject({ id: 0x18fef100, extended: true, data: Uint8Array.of(3) }, T0 + 10_000);
  link.inject({ id: 0x7df, extended: false, data: new Uint8Array(0), rtr: true }, T0 + 20_000);
  link.inject({ id: 0x456, extended: false, data: Uint8Array.of(4) }, T0 + 30_000);
};

test('records a link read-only into every writable format; -n stops after N frames', async () => {
  for (const [file, format] of [['rec.log', undefined], ['rec.asc', undefined], ['rec.trc', undefined], ['rec.blf', undefined], ['rec.txt', 'csv']] as const) {
    const { command, options } = rig(playThree);
    const path = join(dir, file);
    const { io, err } = captureIo();
    assert.is(await command.run(['fake:bench', '-o', path, '-n', '3', ...(format ? ['--format', format] : [])], io), 0, file);
    assert.equal(options[0], {}, 'opened without a transmit allow-list');
    const frames = await readAll(await openTraceReader(path));
    assert.equal(frames.map((f) => [f.id, f.extended, f.rtr, [...f.data]]), [[0x123, false, false, [1, 2]], [0x18fef100, true, false, [3]], [0x7df, false, true, []]], file);
    assert.is(frames[1]!.timestampUs - frames[0]!.timestampUs, 10_000, file);
    assert.match(err(), `recorded 3 frames to ${path}`);
    assert.match(err(), 'stopped: 3 frames');
  }
  assert.match(readFileSync(join(dir, 'rec.log'), 'utf8'), /^\(1700000000\.000000\) bench 123#0102\n/);
});

test('-T stops after a quiet spell, -d after a duration; bad usage is a UsageError', async () => {
  const { command } = rig((link) => link.inject({ id: 1, extended: false, data: Uint8Array.of(9) }));
  const { io, err } = captureIo();
  assert.is(await command.run(['fake:q', '-o', join(dir, 'quiet.csv'), '-T', '50'], io), 0);
  assert.match(err(), /recorded 1 frames .* stopped: no frame for 50 ms/);
  const timed = rig(() => undefined);
  const t = captureIo();
  assert.is(await timed.command.run(['fake:q', '-o', join(dir, 'timed.log'), '-d', '0.05'], t.io), 0);
  assert.match(t.err(), /recorded 0 frames .* stopped: duration reached/);
  for (const [args, message] of [
    [['fake:q'], 'give -o FILE'],
    [['fake:q', '-o', join(dir, 'x.log'), '-n', '0'], "--count must be a positive number, not '0'"],
    [['fake:q', '-o', join(dir, 'x.log'), '--format', 'mf4'], "--format must be one of candump, asc, trc, blf, csv, not 'mf4'"],
    [['nope:q', '-o', join(dir, 'x.log')], 'link URL "nope:q" at column 1: expected a scheme: socketcan:, slcan:, bridge:, fake:'],
  ] as const) {
    try {
      await recordCommand.run([...args], captureIo().io);
      assert.unreachable(args.join(' '));
    } catch (e) {
      assert.instance(e, UsageError);
      assert.is((e as Error).message, message);
    }
  }
});

test('Ctrl-C (SIGINT) ends a recording cleanly with every frame written', async () => {
  const { command } = rig((link) => {
    playThree(link);
    setTimeout(() => process.emit('SIGINT'), 50);
  });
  const path = join(dir, 'ctrl-c.log');
  const { io, err } = captureIo();
  assert.is(await command.run(['fake:bench', '-o', path], io), 0);
  assert.match(err(), /recorded 4 frames .* stopped: SIGINT/);
  assert.is((await readAll(await openTraceReader(path))).length, 4);
  assert.is(process.listenerCount('SIGINT'), 0, 'the handler is removed');
});

test.after(() => rmSync(dir, { recursive: true }));
test.run();
