import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CliCommand, type CliIo } from '../../../../dbc/index.ts';
import { VssCatalogue } from '../../vss/catalogue.ts';
import { dataDirFrom, openAppState, type AppState } from '../app-state.ts';
import { formatRecord } from '../ledger/ledger.ts';
import { declaredPermissions } from '../permissions/tiers.ts';
import { trustPublisher } from '../package/signing.ts';

const DATA_HELP = `  --data DIR   data folder (default: $HEADUNIT_DATA, else ~/.headunit)`;

/**
 * Runs `fn` on the data folder's state. A command that only reads (`existing`) refuses a folder
 * that is not there rather than creating an empty one at a mistyped path.
 */
function withState<T>(data: string | undefined, fn: (s: AppState) => T, existing = false): T {
  const dir = dataDirFrom(data);
  if (existing && !existsSync(dir)) throw new UsageError(`no headunit data folder at ${dir} (nothing installed there yet); give --data DIR or set HEADUNIT_DATA`);
  const s = openAppState(dir, VssCatalogue.load());
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

/** `withState` for the commands that only read. */
const readState = <T>(data: string | undefined, fn: (s: AppState) => T): T => withState(data, fn, true);

const one = (positionals: string[], what: string): string => {
  if (positionals.length !== 1) throw new UsageError(`expected exactly one ${what}`);
  return positionals[0]!;
};

export const appInstallCommand: CliCommand = {
  name: 'app install',
  summary: 'verify and install a signed .hua (--dev: accept a self-signed sideload)',
  help: `Usage: headunit app install FILE.hua [--dev] [--data DIR]

Verifies the archive (ed25519 signature, every file's SHA-256), the manifest, and the
signer: a trusted publisher key (headunit app trust), or with --dev any self-signed key
(developer mode: a warning, and privileged permissions stay blocked). An update must be
signed by the same key. Prints the permissions asked with their tier and state.
${DATA_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { dev: { type: 'boolean' }, data: { type: 'string' } } });
    const file = resolve(one(positionals, 'FILE.hua'));
    return withState(values.data, (s) => {
      const r = s.store.install(file, { dev: values.dev === true });
      for (const w of r.warnings) io.stderr.write(`warning: ${w}\n`);
      io.stdout.write(`${r.updated ? 'updated' : 'installed'} ${r.manifest.id} ${r.manifest.version} (${r.manifest.name}, publisher ${r.info.publisher}${r.info.trusted ? ', trusted' : ', developer mode'})\npermissions:\n`);
      for (const p of r.permissions) io.stdout.write(`  ${p.state.padEnd(8)} ${p.tier.padEnd(10)} ${p.label}\n`);
      return 0;
    });
  },
};

export const appListCommand: CliCommand = {
  name: 'app list',
  summary: 'list installed apps with their permissions',
  help: `Usage: headunit app list [--json] [--data DIR]\n\n${DATA_HELP}`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, data: { type: 'string' } } });
    return readState(values.data, (s) => {
      const { apps, broken } = s.store.list();
      if (values.json) {
        io.stdout.write(JSON.stringify(apps.map((a) => ({ id: a.manifest.id, version: a.manifest.version, name: a.manifest.name, install: a.info, grants: s.grants.all(a.manifest.id) })), null, 2) + '\n');
        return 0;
      }
      if (apps.length === 0) io.stdout.write('no apps installed\n');
      for (const a of apps) {
        const g = s.grants.all(a.manifest.id);
        io.stdout.write(`${a.manifest.id} ${a.manifest.version}  ${a.manifest.name}  ${a.info.trusted ? 'trusted' : 'developer mode'}\n`);
        for (const p of declaredPermissions(a.manifest)) io.stdout.write(`  ${(g[p.id] ?? '?').padEnd(8)} ${p.tier.padEnd(10)} ${p.id}\n`);
      }
      for (const b of broken) io.stderr.write(`broken: ${b.id}: ${b.error}\n`);
      return 0;
    });
  },
};

export const appRemoveCommand: CliCommand = {
  name: 'app remove',
  summary: 'remove an installed app, its grants and its storage',
  help: `Usage: headunit app remove ID [--data DIR]\n\n${DATA_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { data: { type: 'string' } } });
    const id = one(positionals, 'app ID');
    return withState(values.data, (s) => {
      s.store.remove(id);
      s.db.prepare('DELETE FROM storage WHERE app_id = ?').run(id);
      io.stdout.write(`removed ${id}\n`);
      return 0;
    });
  },
};

export const appTrustCommand: CliCommand = {
  name: 'app trust',
  summary: "trust a publisher's public key (its apps may get privileged permissions)",
  help: `Usage: headunit app trust FILE.pub [--data DIR]\n\nCopies the key to DATA/trusted-publishers/.\n${DATA_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { data: { type: 'string' } } });
    const fp = trustPublisher(dataDirFrom(values.data), resolve(one(positionals, 'FILE.pub')));
    io.stdout.write(`trusted publisher ${fp}\n`);
    return 0;
  },
};

export const appLogsCommand: CliCommand = {
  name: 'app logs',
  summary: "print an app's log lines (console output, errors, faults)",
  help: `Usage: headunit app logs ID [-n N] [--data DIR]\n\n  -n N         last N lines (default 100)\n${DATA_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { n: { type: 'string', short: 'n' }, data: { type: 'string' } } });
    const id = one(positionals, 'app ID');
    const n = Number(values.n ?? 100);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`-n must be a positive integer, not '${values.n}'`);
    return readState(values.data, (s) => {
      const rows = s.db.prepare('SELECT time_ms, level, message FROM logs WHERE app_id = ? ORDER BY seq DESC LIMIT ?').all(id, n) as { time_ms: number; level: string; message: string }[];
      for (const r of rows.reverse()) io.stdout.write(`${new Date(r.time_ms).toISOString()} ${r.level.padEnd(5)} ${r.message}\n`);
      return 0;
    });
  },
};

export const ledgerCommand: CliCommand = {
  name: 'ledger',
  summary: "print the apps' audit ledger (grants, reads, actions, bytes sent, faults)",
  help: `Usage: headunit ledger [--app ID] [--kind KIND] [-n N] [--json] [--data DIR]

Every grant and revoke, dangerous reads (per minute), every actuator request and its
decision, every byte an app sent out, and every strike, quarantine and restart.
  --app ID     only this app
  --kind KIND  only this kind (grant, revoke, read, action, egress, strike, ...)
  -n N         last N records (default 200)
  --json       one JSON object per line
${DATA_HELP}`,
  async run(args, io: CliIo) {
    const { values } = parseArgs({ args, options: { app: { type: 'string' }, kind: { type: 'string' }, n: { type: 'string', short: 'n' }, json: { type: 'boolean' }, data: { type: 'string' } } });
    const limit = Number(values.n ?? 200);
    if (!Number.isInteger(limit) || limit <= 0) throw new UsageError(`-n must be a positive integer, not '${values.n}'`);
    return readState(values.data, (s) => {
      for (const r of s.ledger.query({ ...(values.app ? { appId: values.app } : {}), ...(values.kind ? { kind: values.kind } : {}), limit })) {
        io.stdout.write((values.json ? JSON.stringify(r) : formatRecord(r)) + '\n');
      }
      return 0;
    });
  },
};
