import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BridgeError, LinkUrlError } from './errors.ts';
import { createLink, LINK_LOADERS, type LinkLoader } from './registry.ts';
import { SlcanLink } from './slcan/slcan-link.ts';
import { SocketCanLink } from './socketcan/socketcan-link.ts';
import { UartBridgeLink } from './uart/uart-bridge-link.ts';

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

test('every scheme makes its own link kind, closed, with the bus from the URL or the device', async () => {
  const slcan = await createLink('slcan:/dev/ttyACM0@500k?baud=115200&bus=body');
  assert.instance(slcan, SlcanLink);
  assert.equal([slcan.url, slcan.bus, slcan.state], ['slcan:/dev/ttyACM0@500k?baud=115200&bus=body', 'body', 'closed']);
  const bridge = await createLink('bridge:/dev/ttyS1?baud=921600');
  assert.instance(bridge, UartBridgeLink);
  assert.equal([bridge.bus, bridge.state], ['ttyS1', 'closed']);
  assert.instance(await createLink('socketcan:vcan0'), SocketCanLink);
});

test('a kind whose native module cannot load is LINK_UNAVAILABLE naming it; the other kinds still work', async () => {
  const missing: LinkLoader = async () => {
    throw new Error("Cannot find module '@serialport/bindings-cpp'");
  };
  const loaders = { ...LINK_LOADERS, slcan: missing, bridge: missing };
  for (const url of ['slcan:/dev/ttyACM0', 'bridge:/dev/ttyS1']) {
    const err = await rejection(createLink(url, {}, loaders));
    assert.instance(err, BridgeError);
    assert.equal([(err as BridgeError).code, (err as BridgeError).link], ['LINK_UNAVAILABLE', url]);
    assert.is(err.message, `${url}: the ${url.slice(0, url.indexOf(':'))} link cannot load: Cannot find module '@serialport/bindings-cpp'`);
    assert.match(String((err as Error & { cause?: Error }).cause?.message), /bindings-cpp/);
  }
  assert.instance(await createLink('socketcan:can0', {}, loaders), SocketCanLink);
});

test('parameters a kind does not know are URL errors at their column, not silently ignored', async () => {
  const column = async (url: string): Promise<string> => {
    const err = await rejection(createLink(url));
    assert.instance(err, LinkUrlError);
    return `${(err as LinkUrlError).column}: ${(err as LinkUrlError).expected}`;
  };
  assert.is(await column('slcan:/dev/ttyACM0?baud=115200&bitrate=500k'), '32: an slcan parameter: baud, fd, timestamps, window, bus');
  assert.is(await column('bridge:/dev/ttyS1?speed=9600'), '19: a bridge parameter: baud, channel, heartbeat, timeout, handshake, txTimeout, allowAll, bus');
});

test.run();
