import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../../cli/main.ts';
import { openAppState } from '../app-state.ts';
import { AppSandbox, type SandboxEvent } from '../sandbox/app-sandbox.ts';
import { DEFAULT_LIMITS } from '../sandbox/protocol.ts';

/** The tutorial's example app (apps/sdk/README.md). */
const EXAMPLE = fileURLToPath(new URL('../../../../apps/sdk/example', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'toolchain-'));
const data = join(dir, 'data');
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { stdin: process.stdin, stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: (s: string) => ((err += s), true) } } as never;
  const code = await main(args, io);
  return { code, out, err };
}

test('the tutorial app builds, packs, installs in developer mode and runs in the sandbox', async () => {
  const app = join(dir, 'outside');
  cpSync(EXAMPLE, app, { recursive: true, filter: (p) => !p.includes('/dist') });
  assert.is((await cli('app', 'build', app)).code, 0);
  assert.ok(existsSync(join(app, 'dist', 'app.js')));
  assert.is((await cli('app', 'keygen', '--out', join(dir, 'dev.key'))).code, 0);
  const packed = await cli('app', 'pack', app, '--key', join(dir, 'dev.key'));
  assert.is(packed.code, 0);
  const hua = packed.out.trim();
  assert.is(hua, join(app, 'dist', 'com.example.outside-1.0.0.hua'));
  const refused = await cli('app', 'install', hua, '--data', data);
  assert.is(refused.code, 1);
  assert.match(refused.err, /not a trusted publisher; use --dev/);
  const inst = await cli('app', 'install', hua, '--dev', '--data', data);
  assert.is(inst.code, 0);
  assert.match(inst.err, /warning: DEVELOPER MODE/);
  assert.match(inst.out, /granted  normal     read Vehicle.Exterior.AirTemperature \(up to 1 Hz\)/);
  assert.match((await cli('app', 'list', '--data', data)).out, /^com\.example\.outside 1\.0\.0  Outside  developer mode$/m);

  const st = openAppState(data);
  const installed = st.store.get('com.example.outside')!;
  const sb = await AppSandbox.start(null, async () => null);
  const events: SandboxEvent[] = [];
  sb.on('event', (e: SandboxEvent) => events.push(e));
  try {
    sb.load({ manifest: installed.manifest, bundle: st.store.bundle('com.example.outside'), grants: st.grants.all('com.example.outside'), limits: DEFAULT_LIMITS });
    await sb.waitFor((e) => e.kind === 'started', 15_000);
    sb.tick({ 'com.example.outside': [['Vehicle.Exterior.AirTemperature', 2.5, Date.now(), 'valid']] });
    await sb.waitFor((e) => e.kind === 'notify', 15_000);
    assert.equal(events.find((e) => e.kind === 'ui')?.detail['template'], { kind: 'tile', title: 'Outside', value: '2.5', unit: '°C', icon: 'snowflake' });
    assert.equal(events.find((e) => e.kind === 'notify')?.detail, { level: 'warning', title: 'Ice possible', body: 'It is 2.5 °C outside (lowest 2.5 °C).' });
  } finally {
    await sb.close();
    st.close();
  }
  assert.match((await cli('ledger', '--app', 'com.example.outside', '--data', data)).out, /com\.example\.outside install version=1\.0\.0 publisher=[0-9a-f]{32} trusted=false/);
  assert.is((await cli('app', 'remove', 'com.example.outside', '--data', data)).code, 0);
  assert.match((await cli('app', 'list', '--data', data)).out, /no apps installed/);
  // A mistyped data folder is said, not created empty.
  const typo = join(data, 'no-such-folder');
  const r = await cli('ledger', '--data', typo);
  assert.is(r.code, 2);
  assert.match(r.err, `no headunit data folder at ${typo}`);
  assert.not.ok(existsSync(typo));
});

test('app new makes a folder that builds; build errors say file:line:col; bad usage exits 2', async () => {
  const made = await cli('app', 'new', join(dir, 'fresh'));
  assert.is(made.code, 0);
  assert.equal(JSON.parse(readFileSync(join(dir, 'fresh', 'app.json'), 'utf8')).id, 'com.example.fresh');
  assert.is((await cli('app', 'build', join(dir, 'fresh'))).code, 0);
  cpSync(join(dir, 'fresh'), join(dir, 'broken'), { recursive: true });
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'broken', 'src', 'main.ts'), "import { ui } from '@headunit/sdk';\nui.render({ kind: 'tile', title: 'x' }\n");
  const bad = await cli('app', 'build', join(dir, 'broken'));
  assert.is(bad.code, 1);
  assert.match(bad.err, /broken\/src\/main\.ts:3:1: Expected "\)" but found end of file/);
  writeFileSync(join(dir, 'broken', 'src', 'main.ts'), "import fs from 'node:fs';\nfs.readFileSync('/etc/passwd');\n");
  assert.match((await cli('app', 'build', join(dir, 'broken'))).err, /main\.ts:1:16: Could not resolve "node:fs"/);
  assert.is((await cli('app', 'keygen')).code, 2);
  assert.is((await cli('app', 'install')).code, 2);
});

test('app dev runs a folder against the simulated car and reloads it on change', async () => {
  const app = join(dir, 'live');
  cpSync(EXAMPLE, app, { recursive: true, filter: (p) => !p.includes('/dist') });
  const { writeFileSync } = await import('node:fs');
  const run = cli('app', 'dev', app, '--seconds', '6');
  setTimeout(() => writeFileSync(join(app, 'src', 'extra.ts'), 'export const x = 1;\n'), 3000);
  const r = await run;
  assert.is(r.code, 0);
  assert.match(r.out, /^\[dev\] loaded com\.example\.outside 1\.0\.0/m);
  assert.match(r.out, /^\[ui\] \{"kind":"tile","title":"Outside","value":"-?\d+\.\d","unit":"°C","icon":"(snowflake|thermometer)"\}$/m);
  assert.ok((r.out.match(/^\[dev\] loaded/gm)?.length ?? 0) >= 2, r.out);
  assert.match(r.out, /\[dev\] stopped\n$/);
});

test.run();
