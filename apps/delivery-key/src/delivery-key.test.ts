import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_KEY_WINDOW_MS, parseKey, signedText } from './delivery-key.ts';

const good = { v: 1 as const, keyId: 'dk-0001', vehicleId: 'demo-ev-0001', courier: 'Parcel Co. #4711', notBeforeMs: 1000, expMs: 61_000, sig: 'c2ln' };

test('a well-formed key parses, from text or object', () => {
  assert.equal(parseKey(JSON.stringify(good)), good);
  assert.equal(parseKey(good), good);
});

test('malformed keys say what is wrong', () => {
  assert.is(parseKey('{'), 'not JSON');
  assert.is(parseKey('"x"'), 'not an object');
  assert.is(parseKey({ ...good, v: 2 }), 'v must be 1');
  assert.is(parseKey({ ...good, courier: '' }), 'courier must be a non-empty string');
  assert.is(parseKey({ ...good, keyId: 'a/b+c' }), 'keyId must be 4-64 letters, digits, - or _');
  assert.is(parseKey({ ...good, expMs: '61000' }), 'expMs must be a time (ms since the epoch)');
  assert.is(parseKey({ ...good, expMs: 1000 }), 'expMs must be after notBeforeMs');
  assert.is(parseKey({ ...good, expMs: 1000 + MAX_KEY_WINDOW_MS + 1 }), 'the window is longer than a day');
});

test('the signature covers every field: changing any one breaks it', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const sig = sign(null, Buffer.from(signedText(good)), privateKey);
  assert.ok(verify(null, Buffer.from(signedText(good)), publicKey, sig));
  for (const change of [{ keyId: 'dk-0002' }, { vehicleId: 'other-car' }, { courier: 'Someone Else' }, { notBeforeMs: 999 }, { expMs: 61_001 }]) {
    assert.not.ok(verify(null, Buffer.from(signedText({ ...good, ...change })), publicKey, sig), JSON.stringify(change));
  }
});

test.run();
