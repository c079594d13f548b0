import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const VCAN_VM = fileURLToPath(new URL('../../../../shared/tools/vcan-vm/run.sh', import.meta.url));

test('replay to and record from real SocketCAN (vcan0 in the vcan VM)', () => {
  assert.ok(existsSync(VCAN_VM), `the vcan VM tool is missing at ${VCAN_VM}`);
  const r = spawnSync(VCAN_VM, [ROOT, process.execPath, '--import', 'tsx', 'sim/src/cli/replay-socketcan.vm.ts'], {
    encoding: 'utf8',
    timeout: 540_000,
    env: { ...process.env, VCAN_VM_TIMEOUT: '500' },
  });
  const out = `${r.stdout}${r.stderr}`;
  const passed = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? -1);
  if (r.status !== 0 || passed !== total) console.log(out.slice(-4000));
  assert.is(r.status, 0, 'the VM suite exits 0');
  assert.ok(passed >= 1 && passed === total, `${passed} of ${total} passed in the VM`);
  const report = /^ {4}.*frames.*$/m.exec(out)?.[0];
  if (report) console.log(report);
});

test.run();
