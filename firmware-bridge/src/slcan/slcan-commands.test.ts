import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TxFailedError } from '../errors.ts';
import { QUERY_GRACE_MS, SlcanCommands, encodeCommand, type SlcanTimer } from './slcan-commands.ts';

/** A timer that only moves when told to. */
class FakeTimer implements SlcanTimer {
  now = 0;
  private tasks: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.tasks.push({ at: this.now + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.tasks = this.tasks.filter((t) => t.id !== handle);
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = this.tasks.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.tasks = this.tasks.filter((t) => t !== due);
      this.now = due.at;
      due.fn();
    }
    this.now = until;
  }
}

/** Lets the write promises and their `.then`s run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

function harness(window = 1) {
  const timer = new FakeTimer();
  const written: string[] = [];
  const cmds = new SlcanCommands('slcan:x', async (b) => void written.push(b.toString('latin1').replace('\r', '')), timer, window, 1000);
  return { timer, written, cmds };
}

test('one command outstanding: answers are matched first in, first out; BEL is an answer', async () => {
  const { written, cmds } = harness();
  const a = cmds.send(encodeCommand('t1230'));
  const b = cmds.send(encodeCommand('T000000010'));
  await settle();
  assert.equal(written, ['t1230'], 'the second waits for the first answer');
  cmds.onAck('z');
  assert.is(await a, 'z');
  await settle();
  assert.equal(written, ['t1230', 'T000000010']);
  cmds.onAck('bel');
  assert.is(await b, 'bel');
  cmds.onAck('ok'); // nothing outstanding: ignored
  assert.is(cmds.pending, 0);
});

test('a window of 3 pipelines three commands, still answered in order', async () => {
  const { written, cmds } = harness(3);
  const sent = ['t1230', 't1240', 't1250', 't1260'].map((l) => cmds.send(encodeCommand(l)));
  await settle();
  assert.equal(written, ['t1230', 't1240', 't1250']);
  cmds.onAck('ok');
  cmds.onAck('bel');
  await settle();
  assert.equal(written.length, 4);
  cmds.onAck('ok');
  cmds.onAck('ok');
  assert.equal(await Promise.all(sent), ['ok', 'bel', 'ok', 'ok']);
});

test('no answer in time: the command and all after it fail; the next command goes out', async () => {
  const { timer, written, cmds } = harness(2);
  const a = cmds.send(encodeCommand('t1230'));
  const b = cmds.send(encodeCommand('t1240'));
  const c = cmds.send(encodeCommand('t1250'));
  await settle();
  timer.advance(999);
  assert.is(cmds.pending, 2);
  timer.advance(1);
  for (const [p, label] of [[a, 't1230'], [b, 't1240']] as const) {
    try {
      await p;
      assert.unreachable('answered');
    } catch (err) {
      assert.instance(err, TxFailedError);
      assert.is((err as Error).message, `slcan:x: no answer to "${label}" within 1000 ms`);
    }
  }
  await settle();
  assert.equal(written, ['t1230', 't1240', 't1250']);
  cmds.onAck('ok');
  assert.is(await c, 'ok');
});

test('queries run alone, take their reply line, and swallow a trailing bare CR (CANable 1)', async () => {
  const { timer, written, cmds } = harness(4);
  const frame = cmds.send(encodeCommand('t1230'));
  const version = cmds.query('V', ['V']);
  const after = cmds.send(encodeCommand('t1240'));
  await settle();
  assert.equal(written, ['t1230'], 'V waits until nothing else is outstanding');
  cmds.onAck('ok');
  await frame;
  await settle();
  assert.equal(written, ['t1230', 'V']);
  assert.is(cmds.onReply('N', 'A123'), false, 'not the reply V waits for');
  assert.is(cmds.onReply('text', 'a1b2c3d https://github.com/normaldotcom/canable-fw.git'), true);
  assert.is(await version, 'a1b2c3d https://github.com/normaldotcom/canable-fw.git');
  await settle();
  assert.equal(written.length, 2, 'held during the grace period');
  cmds.onAck('ok'); // CANable 1's CR after the version text
  await settle();
  assert.equal(written, ['t1230', 'V', 't1240']);
  cmds.onAck('z');
  assert.is(await after, 'z');
  const serial = cmds.query('N', ['N']);
  await settle();
  cmds.onAck('bel');
  assert.is(await serial, null, 'BEL: the adapter has no serial number');
  const lawicel = cmds.query('V', ['V']);
  await settle();
  cmds.onReply('V', '1013');
  assert.is(await lawicel, '1013');
  timer.advance(QUERY_GRACE_MS);
  assert.is(cmds.pending, 0);
});

test('ack-less adapters: a command is done once written; failAll rejects what waits', async () => {
  const { written, cmds } = harness();
  cmds.ackless = true;
  assert.is(await cmds.send(encodeCommand('O')), 'ok');
  assert.is(await cmds.send(encodeCommand('t1230')), 'ok');
  assert.equal(written, ['O', 't1230']);
  cmds.ackless = false;
  const waiting = [cmds.send(encodeCommand('t1240')), cmds.send(encodeCommand('t1250'))];
  await settle();
  cmds.failAll('/dev/ttyACM0 went away');
  const messages = await Promise.all(waiting.map((p) => p.then(() => 'answered', (e: Error) => e.message)));
  assert.equal(messages, ['slcan:x: "t1240" not answered: /dev/ttyACM0 went away', 'slcan:x: "t1250" not answered: /dev/ttyACM0 went away']);
});

test('a failed write rejects that command with the cause', async () => {
  const timer = new FakeTimer();
  const cmds = new SlcanCommands('slcan:x', async () => Promise.reject(new Error('EIO')), timer);
  try {
    await cmds.send(encodeCommand('O'));
    assert.unreachable('written');
  } catch (err) {
    assert.instance(err, TxFailedError);
    assert.is((err as Error).message, 'slcan:x: cannot write "O": EIO');
  }
  assert.is(cmds.pending, 0);
});

test.run();
