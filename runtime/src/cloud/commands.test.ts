import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { memoryLogger } from '../log.ts';
import { openCloudDb } from './cloud-db.ts';
import { signCommand, type TrustedKey } from './command-signing.ts';
import { CommandProcessor } from './commands.ts';
import { tempDir } from './testing/temp-dir.ts';

const owner = generateKeyPairSync('ed25519');
const fleet = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
const keys: TrustedKey[] = [
  { kid: 'owner-phone', role: 'owner', publicKey: owner.publicKey },
  { kid: 'fleet', role: 'fleet', publicKey: createPublicKey(fleet.publicKey.export({ type: 'spki', format: 'pem' })) },
];

function processor(file: string, clock = Date.now): { p: CommandProcessor; ran: string[]; close: () => void } {
  const db = openCloudDb(file);
  const p = new CommandProcessor({ vehicleId: 'car-1', keys, db, log: memoryLogger(), clock });
  const ran: string[] = [];
  p.register('honk', { run: async ({ args, role }) => (ran.push(`${role}:${JSON.stringify(args)}`), { status: 'done', reason: 'OK', detail: 'honked' }) });
  p.register('trunk', { roles: ['owner'], run: async () => (ran.push('trunk'), { status: 'done', reason: 'OK', detail: 'opened' }) });
  return { p, ran, close: () => db.close() };
}

const payload = (o: object): Buffer => Buffer.from(JSON.stringify(o));

test('a signed command runs once; its replay is refused, also after a restart', async () => {
  const t = tempDir();
  const file = join(t.dir, 'cloud.db');
  let { p, ran, close } = processor(file);
  const cmd = signCommand(owner.privateKey, { kid: 'owner-phone', vehicleId: 'car-1', name: 'honk', args: { times: 2 } });
  const r1 = await p.handle('honk', payload(cmd));
  assert.is(r1.status, 'done');
  assert.is(r1.nonce, cmd.nonce);
  assert.equal(ran, ['owner:{"times":2}']);
  const r2 = await p.handle('honk', payload(cmd));
  assert.equal([r2.status, r2.reason], ['refused', 'REPLAY']);
  close();
  ({ p, ran, close } = processor(file));
  const r3 = await p.handle('honk', payload(cmd));
  assert.equal([r3.status, r3.reason], ['refused', 'REPLAY']);
  assert.equal(ran, []);
  close();
  t.remove();
});

test('unsigned, forged, tampered, expired, foreign and misdirected commands are refused with their reason', async () => {
  const { p, ran, close } = processor(':memory:');
  const base = { kid: 'owner-phone', vehicleId: 'car-1', name: 'honk', args: { times: 1 } };
  const good = (): ReturnType<typeof signCommand> => signCommand(owner.privateKey, base);
  const cases: [string, string, Buffer][] = [
    ['MALFORMED', 'honk', Buffer.from('{not json')],
    ['MALFORMED', 'honk', payload({ args: {}, nonce: 'abcdefgh1234' })],
    ['UNSIGNED', 'honk', payload({ args: {}, exp: Date.now() + 10_000, nonce: 'abcdefgh1234' })],
    ['UNKNOWN_KEY', 'honk', payload(signCommand(stranger.privateKey, { ...base, kid: 'stranger' }))],
    ['BAD_SIGNATURE', 'honk', payload({ ...signCommand(stranger.privateKey, base) })],
    ['BAD_SIGNATURE', 'honk', payload({ ...good(), args: { times: 100 } })],
    ['BAD_SIGNATURE', 'honk', payload(signCommand(owner.privateKey, { ...base, vehicleId: 'car-2' }))],
    ['BAD_SIGNATURE', 'trunk', payload(good())],
    ['EXPIRED', 'honk', payload(signCommand(owner.privateKey, { ...base, ttlMs: -1 }))],
    ['EXPIRY_TOO_FAR', 'honk', payload(signCommand(owner.privateKey, { ...base, ttlMs: 30 * 86_400_000 }))],
    ['UNKNOWN_COMMAND', 'selfdestruct', payload(signCommand(owner.privateKey, { ...base, name: 'selfdestruct' }))],
    ['NOT_PERMITTED', 'trunk', payload(signCommand(fleet.privateKey, { ...base, kid: 'fleet', name: 'trunk' }))],
  ];
  for (const [reason, name, body] of cases) {
    const r = await p.handle(name, body);
    assert.equal([r.status, r.reason], ['refused', reason], `${reason}: ${r.detail}`);
  }
  assert.equal(ran, []);
  assert.is(p.counters.refused, cases.length);
  assert.is(p.refusedByReason['BAD_SIGNATURE'], 4);
  const ok = await p.handle('honk', payload(signCommand(fleet.privateKey, { ...base, kid: 'fleet' })));
  assert.is(ok.status, 'done');
  close();
});

test('a forged command does not burn the nonce of the genuine one', async () => {
  const { p, close } = processor(':memory:');
  const genuine = signCommand(owner.privateKey, { kid: 'owner-phone', vehicleId: 'car-1', name: 'honk' });
  const forged = { ...genuine, args: { times: 9 } };
  assert.is((await p.handle('honk', payload(forged))).reason, 'BAD_SIGNATURE');
  assert.is((await p.handle('honk', payload(genuine))).status, 'done');
  close();
});

test.run();
