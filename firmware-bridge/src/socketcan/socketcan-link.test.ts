import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LinkOpenError } from '../errors.ts';
import { parseLinkUrl } from '../link-url.ts';
import { diagnose, interfaceFacts } from './socketcan-diagnose.ts';
import { parseFilters, SocketCanLink } from './socketcan-link.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const VCAN_VM = fileURLToPath(new URL('../../../../shared/tools/vcan-vm/run.sh', import.meta.url));

/** A fake /proc + /sys tree: what the kernel would show for one interface. */
const roots: string[] = [];
function fakeRoot(opts: { can: boolean; iface?: { type: number; flags: string; mtu: number } }): string {
  const root = mkdtempSync(join(tmpdir(), 'sysfs-'));
  roots.push(root);
  if (opts.can) mkdirSync(join(root, 'proc/net/can'), { recursive: true });
  if (opts.iface) {
    const dir = join(root, 'sys/class/net/can0');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'type'), `${opts.iface.type}\n`);
    writeFileSync(join(dir, 'flags'), `${opts.iface.flags}\n`);
    writeFileSync(join(dir, 'mtu'), `${opts.iface.mtu}\n`);
  }
  return root;
}

test('diagnosis tells no CAN support, no interface, not CAN, down and fine apart', () => {
  const code = (root: string) => diagnose('can0', interfaceFacts('can0', root))?.code ?? 'ok';
  assert.is(code(fakeRoot({ can: false })), 'NO_CAN_SUPPORT');
  assert.is(code(fakeRoot({ can: true })), 'NO_SUCH_INTERFACE');
  assert.is(code(fakeRoot({ can: true, iface: { type: 1, flags: '0x1003', mtu: 1500 } })), 'NO_SUCH_INTERFACE');
  assert.is(code(fakeRoot({ can: true, iface: { type: 280, flags: '0x80', mtu: 16 } })), 'INTERFACE_DOWN');
  assert.is(code(fakeRoot({ can: true, iface: { type: 280, flags: '0x81', mtu: 72 } })), 'ok');
  assert.is(interfaceFacts('can0', fakeRoot({ can: true, iface: { type: 280, flags: '0x81', mtu: 72 } })).mtu, 72);
});

test('filters are candump-style ID:MASK; 8 hex digits mean 29-bit', () => {
  assert.equal(parseFilters('123:7FF,18FEF100:1FFFFFFF', 'socketcan:x'), [
    { id: 0x123, mask: 0xc00007ff },
    { id: 0x98fef100, mask: 0xdfffffff },
  ]);
  assert.throws(() => parseFilters('123', 'socketcan:x'), /filter "123" is not ID:MASK in hex/);
});

test('on a kernel without CAN the open error says so, not "no interface"', async () => {
  if (existsSync('/proc/net/can')) {
    console.log('    (this kernel has CAN; the VM tests cover the real errors)');
    return;
  }
  try {
    await new SocketCanLink(parseLinkUrl('socketcan:vcan0'), {}).open();
    assert.unreachable('opened');
  } catch (err) {
    assert.instance(err, LinkOpenError);
    assert.is((err as LinkOpenError).code, 'NO_CAN_SUPPORT');
    assert.match((err as Error).message, /^socketcan:vcan0: this kernel has no CAN support/);
  }
});

test('real SocketCAN in the vcan VM: contract, filters, FD, open errors, overflow, reconnect', () => {
  // Debian's kernel under qemu with vcan0/vcan1 up (../shared/tools/vcan-vm); about 25 s on an
  // idle machine, over 150 s when software emulation shares two busy cores: hence the long limit.
  assert.ok(existsSync(VCAN_VM), `the vcan VM tool is missing at ${VCAN_VM}`);
  const r = spawnSync(VCAN_VM, [ROOT, process.execPath, '--import', 'tsx', 'firmware-bridge/src/socketcan/socketcan-vm.suite.ts'], {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, VCAN_VM_TIMEOUT: '570' },
  });
  const out = `${r.stdout}${r.stderr}`;
  const passed = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? -1);
  if (r.status !== 0 || passed !== total) console.log(out.slice(-4000));
  assert.is(r.status, 0, 'the VM suite exits 0');
  assert.ok(passed >= 12 && passed === total, `${passed} of ${total} passed in the VM`);
  const burst = /burst of .*/.exec(out)?.[0];
  if (burst) console.log(`    ${burst}`);
});

test.after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

test.run();
