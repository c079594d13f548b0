import { watch, mkdtempSync, rmSync, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CliCommand, type CliIo } from '../../../../dbc/index.ts';
import { DEFAULT_CONFIG, loadCarConfig, type CarConfig } from '../../config/car-config.ts';
import { createLogger } from '../../log.ts';
import { Runtime } from '../../runtime.ts';
import type { AppHost } from '../app-host.ts';
import { declaredPermissions } from '../permissions/tiers.ts';
import { attachApps } from '../runtime-apps.ts';
import type { SandboxEvent } from '../sandbox/app-sandbox.ts';
import { buildApp } from './build.ts';

/** Changes within this window are one reload (ms). */
const DEBOUNCE_MS = 150;

/** The demo car, fed by `scenario` or `trace` when given, with no apps folder. */
function devConfig(v: { scenario?: string | undefined; trace?: string | undefined }, dataDir: string): CarConfig {
  const cfg = loadCarConfig(DEFAULT_CONFIG);
  const buses = cfg.buses.map((b) => ({ ...b }));
  const fed = buses.find((b) => b.feed !== null)!;
  if (v.scenario !== undefined) fed.feed = { scenario: resolve(v.scenario), loop: true };
  if (v.trace !== undefined) fed.feed = { trace: resolve(v.trace), loop: true };
  return { ...cfg, buses, dataDir, appsDir: null };
}

/** Builds the folder and (re)loads it; dangerous permissions are granted: the developer is the driver. */
async function reload(host: AppHost, dir: string, io: CliIo): Promise<void> {
  try {
    const b = await buildApp(dir, { vss: host.deps.vss, write: false });
    const perms = host.state.store.settle(b.manifest, false);
    for (const p of perms) if (p.tier === 'dangerous' && p.state !== 'granted') host.state.grants.set(b.manifest.id, p.id, 'granted');
    host.load(b.manifest, b.bundle, 'installed', false);
    const blocked = declaredPermissions(b.manifest).filter((d) => d.tier === 'privileged').map((d) => d.id);
    io.stdout.write(`[dev] loaded ${b.manifest.id} ${b.manifest.version} (built in ${Math.round(b.ms)} ms)${blocked.length ? `; privileged, blocked in developer mode: ${blocked.join(', ')}` : ''}\n`);
  } catch (err) {
    io.stdout.write(`[dev] build failed: ${(err as Error).message}\n`);
  }
}

/** One line per thing the developer wants to see. */
function show(io: CliIo, e: SandboxEvent): void {
  if (e.kind === 'log') io.stdout.write(`[log ${e.detail['level']}] ${e.detail['message']}\n`);
  else if (e.kind === 'ui') io.stdout.write(e.detail['op'] === 'pop' ? '[ui pop]\n' : `[ui${e.detail['op'] === 'push' ? ' push' : ''}] ${JSON.stringify(e.detail['template'])}\n`);
  else if (e.kind === 'notify') io.stdout.write(`[notify] ${JSON.stringify(e.detail)}\n`);
  else if (['strike', 'quarantine', 'stopped', 'started', 'restart', 'denied', 'ui-invalid', 'error', 'flood'].includes(e.kind)) io.stdout.write(`[${e.kind}] ${JSON.stringify(e.detail)}\n`);
}

export const appDevCommand: CliCommand = {
  name: 'app dev',
  summary: 'run one app live against the simulated demo car, reloading on change',
  help: `Usage: headunit app dev DIR [--scenario FILE | --trace FILE] [--seconds N] [--data DIR]

Builds DIR and runs it in the sandbox against the demo car fed by a looped synthetic
scenario (or --scenario FILE / --trace FILE); prints the app's logs, templates,
notifications and faults; rebuilds and reloads when a file in DIR changes. Dangerous
permissions are granted (you are the driver); privileged ones stay blocked.
  --seconds N   stop after N seconds (default: until Ctrl-C)
  --data DIR    where grants, storage and the ledger go (default: a temporary folder)`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { scenario: { type: 'string' }, trace: { type: 'string' }, seconds: { type: 'string' }, data: { type: 'string' } } });
    if (positionals.length !== 1) throw new UsageError('expected exactly one DIR');
    if (values.scenario !== undefined && values.trace !== undefined) throw new UsageError('give --scenario or --trace, not both');
    const seconds = values.seconds === undefined ? null : Number(values.seconds);
    if (seconds !== null && !(seconds > 0)) throw new UsageError(`--seconds must be a positive number, not '${values.seconds}'`);
    const dir = resolve(positionals[0]!);
    const dataDir = values.data ? resolve(values.data) : mkdtempSync(join(tmpdir(), 'headunit-dev-'));
    const log = createLogger({ write: () => true });
    const rt = await Runtime.create(devConfig(values, dataDir), log);
    await rt.start();
    // The developer watches the app's console: each line at once.
    const host = await attachApps(rt, { dataDir, log, liveLogs: true });
    host.sandbox.on('event', (e: SandboxEvent) => show(io, e));
    await reload(host, dir, io);
    let timer: NodeJS.Timeout | null = null;
    const watcher: FSWatcher = watch(dir, { recursive: true }, (_e, name) => {
      if (name && /(^|\/)(dist|node_modules)\//.test(String(name))) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void reload(host, dir, io), DEBOUNCE_MS);
    });
    let onSigint = (): void => {};
    await new Promise<void>((done) => {
      if (seconds !== null) setTimeout(done, seconds * 1000);
      onSigint = done;
      process.once('SIGINT', onSigint);
    });
    process.off('SIGINT', onSigint);
    watcher.close();
    if (timer) clearTimeout(timer);
    await host.stop();
    await rt.stop();
    if (!values.data) rmSync(dataDir, { recursive: true, force: true });
    io.stdout.write('[dev] stopped\n');
    return 0;
  },
};
