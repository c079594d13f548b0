import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testManifest, testSpec } from '../test/fixtures.ts';
import { AppSandbox, type SandboxEvent } from './app-sandbox.ts';
import { REMOTE_COMMAND_MS } from './remote-scope.ts';

/**
 * The app thread marks an app's actuator requests made while it acts for a remote command; the
 * guest has no say in it. Each request here records what reached the main thread.
 */
const TEMP = 'Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature';
const events: SandboxEvent[] = [];
const sets: { value: unknown; via: unknown; command: unknown }[] = [];
let sb: AppSandbox;

test.before(async () => {
  sb = await AppSandbox.start(null, async (_appId, op, args) => {
    const a = args as Record<string, unknown>;
    if (op === 'set') sets.push({ value: a['value'], via: a['via'], command: a['command'] });
    if (op === 'fetch') await new Promise((r) => setTimeout(r, 100));
    return { allowed: true };
  });
  sb.on('event', (e: SandboxEvent) => events.push(e));
});
test.after(async () => {
  await sb.close();
});

async function until<T>(f: () => T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`condition not met in time; last events: ${JSON.stringify(events.slice(-5))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
const setOf = (value: number) => until(() => sets.find((s) => s.value === value));
let seq = 0;
/** Delivers a command as the app host does; resolves with the app's answer. */
async function command(appId: string, name: string, args: Record<string, unknown> = {}): Promise<{ id: string; result: unknown }> {
  const replyTo = `c${++seq}`;
  const id = `nonce-${seq}`;
  sb.deliver(appId, 'command', { name, args, id, replyTo });
  const e = await until(() => events.find((x) => x.appId === appId && x.kind === 'command-result' && x.detail['id'] === replyTo));
  return { id, result: e.detail['result'] };
}

const perms = { actuators: [TEMP], cloud: ['state', 'inbox'], network: [{ domain: 'example.org', reason: 'test' }] };
const grants = { cloud: 'granted', 'net:example.org': 'granted' } as const;

test('a command\'s requests are marked remote with its id; a timer of the app\'s own and a UI action are not', async () => {
  sb.load(testSpec(testManifest('marks', perms), `
    const { vehicle, cloud, ui } = headunit;
    setTimeout(() => vehicle.set('${TEMP}', 1), 10);
    cloud.onCommand((c) => vehicle.set('${TEMP}', c.args.v).then(() => 'ok'));
    headunit.ui.onAction((a) => vehicle.set('${TEMP}', Number(a.id)));
  `, { trusted: true, grants }));
  await setOf(1);
  const c = await command('test.marks', 'go', { v: 2 });
  assert.is(c.result, 'ok');
  sb.deliver('test.marks', 'ui-action', { id: '3' });
  await setOf(3);
  assert.equal(sets.filter((s) => [1, 2, 3].includes(s.value as number)), [
    { value: 1, via: undefined, command: undefined },
    { value: 2, via: 'remote', command: c.id },
    { value: 3, via: undefined, command: undefined },
  ]);
});

test('answering first escapes nothing: promise jobs, timers, intervals and replies started for the command stay remote', async () => {
  sb.load(testSpec(testManifest('sly', perms), `
    const { vehicle, cloud, net } = headunit;
    let iv = null, n = 0;
    cloud.onCommand((c) => {
      // Runs after the answer, in the same turn.
      if (c.name === 'chain') { Promise.resolve().then(() => null).then(() => null).then(() => vehicle.set('${TEMP}', 10)); return 'answered'; }
      setTimeout(() => vehicle.set('${TEMP}', 11), 30);
      net.fetch('https://example.org/').then(() => vehicle.set('${TEMP}', 12));
      iv = setInterval(() => { n++; if (n === 3) { vehicle.set('${TEMP}', 13); clearInterval(iv); } }, 20);
      return 'answered';
    });
    headunit.ui.onAction((a) => vehicle.set('${TEMP}', Number(a.id)));
  `, { trusted: true, grants }));
  await until(() => events.find((e) => e.appId === 'test.sly' && e.kind === 'started'));
  const chain = await command('test.sly', 'chain');
  assert.is(chain.result, 'answered');
  assert.equal(await setOf(10), { value: 10, via: 'remote', command: chain.id });
  const c = await command('test.sly', 'go');
  assert.is(c.result, 'answered');
  for (const v of [11, 12, 13]) assert.equal(await setOf(v), { value: v, via: 'remote', command: c.id }, `set ${v}`);
  // Everything started for the command is done: the app's next request is its own.
  await new Promise((r) => setTimeout(r, 50));
  sb.deliver('test.sly', 'ui-action', { id: '14' });
  assert.equal(await setOf(14), { value: 14, via: undefined, command: undefined });
});

test('a command the app never answers counts until it times out', async () => {
  sb.load(testSpec(testManifest('mute', perms), `
    const { vehicle, cloud } = headunit;
    cloud.onCommand(() => new Promise(() => {}));
    headunit.ui.onAction((a) => vehicle.set('${TEMP}', Number(a.id)));
  `, { trusted: true, grants }));
  await until(() => events.find((e) => e.appId === 'test.mute' && e.kind === 'started'));
  const at = Date.now();
  sb.deliver('test.mute', 'command', { name: 'go', args: {}, id: 'nonce-mute', replyTo: 'c-mute' });
  sb.deliver('test.mute', 'ui-action', { id: '20' });
  assert.equal(await setOf(20), { value: 20, via: 'remote', command: 'nonce-mute' });
  await new Promise((r) => setTimeout(r, REMOTE_COMMAND_MS - (Date.now() - at) + 100));
  sb.deliver('test.mute', 'ui-action', { id: '21' });
  assert.equal(await setOf(21), { value: 21, via: undefined, command: undefined });
});

test('a cloud message is remote too, for its handler and what the handler started; not afterwards', async () => {
  sb.load(testSpec(testManifest('inbox', perms), `
    const { vehicle, cloud } = headunit;
    cloud.subscribe('inbox', (payload) => {
      const v = Number(payload);
      vehicle.set('${TEMP}', v);
      setTimeout(() => vehicle.set('${TEMP}', v + 1), 30);
    });
    headunit.ui.onAction((a) => vehicle.set('${TEMP}', Number(a.id)));
  `, { trusted: true, grants }));
  await until(() => events.find((e) => e.appId === 'test.inbox' && e.kind === 'started'));
  await new Promise((r) => setTimeout(r, 50));
  sb.deliver('test.inbox', 'cloud', { topic: 'inbox', payload: '30' });
  assert.equal(await setOf(30), { value: 30, via: 'remote', command: 'message:inbox' });
  assert.equal(await setOf(31), { value: 31, via: 'remote', command: 'message:inbox' });
  await new Promise((r) => setTimeout(r, 50));
  sb.deliver('test.inbox', 'ui-action', { id: '32' });
  assert.equal(await setOf(32), { value: 32, via: undefined, command: undefined });
});

test('a long timer set for a command holds the remote period only for a while: the app\'s later requests are its own', async () => {
  sb.load(testSpec(testManifest('later', perms), `
    const { vehicle, cloud } = headunit;
    cloud.onCommand(() => { setTimeout(() => vehicle.set('${TEMP}', 41), ${REMOTE_COMMAND_MS + 600}); return 'ok'; });
    headunit.ui.onAction((a) => vehicle.set('${TEMP}', Number(a.id)));
  `, { trusted: true, grants }));
  await until(() => events.find((e) => e.appId === 'test.later' && e.kind === 'started'));
  const c = await command('test.later', 'go');
  sb.deliver('test.later', 'ui-action', { id: '40' });
  assert.equal(await setOf(40), { value: 40, via: 'remote', command: c.id }, 'while the timer is young');
  assert.equal(await setOf(41), { value: 41, via: undefined, command: undefined }, 'when it fires after the lapse');
});

test.run();
