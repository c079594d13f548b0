import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CliCommand } from '../../../../dbc/index.ts';
import { VssCatalogue } from '../../vss/catalogue.ts';
import { packHua } from '../package/hua.ts';
import { generateSigningKey, loadPrivateKey } from '../package/signing.ts';
import { buildApp, packageFiles } from './build.ts';

const one = (positionals: string[], what: string): string => {
  if (positionals.length !== 1) throw new UsageError(`expected exactly one ${what}`);
  return positionals[0]!;
};

const STARTER = `import { app, ui, vehicle } from '@headunit/sdk';

// Runs once the app is live: show the outside temperature as a tile and keep it current.
app.onStart(() => {
  vehicle.subscribe('Vehicle.Exterior.AirTemperature', (t) => {
    ui.render({ kind: 'tile', title: 'Outside', value: typeof t === 'number' ? t.toFixed(1) : '--', unit: '°C' });
  });
});
`;

export const appNewCommand: CliCommand = {
  name: 'app new',
  summary: 'create an app folder NAME with app.json and a starter script',
  help: `Usage: headunit app new NAME [--id ID]

Creates folder NAME with app.json (id com.example.NAME unless --id), src/main.ts (a
tile showing the outside temperature) and .gitignore. Next: headunit app build NAME.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { id: { type: 'string' } } });
    const dir = resolve(one(positionals, 'NAME'));
    if (existsSync(dir)) throw Object.assign(new Error(`${dir} already exists`), { code: 'EXISTS' });
    const slug = basename(dir).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'app';
    const id = values.id ?? `com.example.${slug.replace(/^[^a-z]+/, 'app')}`;
    mkdirSync(join(dir, 'src'), { recursive: true });
    const manifest = {
      id, name: basename(dir), version: '0.1.0', publisher: 'Example Developer', description: 'A starter app: the outside temperature as a tile.',
      entry: 'src/main.ts', permissions: { signals: [{ path: 'Vehicle.Exterior.AirTemperature', maxRateHz: 1 }], ui: ['tile'] },
    };
    writeFileSync(join(dir, 'app.json'), JSON.stringify(manifest, null, 2) + '\n');
    writeFileSync(join(dir, 'src', 'main.ts'), STARTER);
    writeFileSync(join(dir, '.gitignore'), 'dist/\n');
    io.stdout.write(`created ${dir} (${id})\n  next: headunit app build ${positionals[0]}\n`);
    return 0;
  },
};

export const appBuildCommand: CliCommand = {
  name: 'app build',
  summary: "bundle an app folder into one script (DIR/dist/app.js)",
  help: `Usage: headunit app build DIR

Validates DIR/app.json, bundles its entry and imports (the SDK as '@headunit/sdk')
with esbuild into DIR/dist/app.js: one ES2020 script, no Node built-ins, <= 1 MB.
Errors are printed as file:line:col.`,
  async run(args, io) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    const b = await buildApp(resolve(one(positionals, 'DIR')), { vss: VssCatalogue.load() });
    io.stdout.write(`${b.file} (${Buffer.byteLength(b.bundle)} bytes, ${Math.round(b.ms)} ms)\n`);
    return 0;
  },
};

export const appKeygenCommand: CliCommand = {
  name: 'app keygen',
  summary: 'make an ed25519 signing key (FILE) and its public key (FILE.pub)',
  help: `Usage: headunit app keygen --out FILE

Writes an ed25519 private key (PKCS#8 PEM, mode 0600) to FILE and the public key
(SPKI PEM) to FILE.pub, and prints the key's fingerprint. Keep FILE secret; give
FILE.pub to head units that should trust you (headunit app trust FILE.pub).`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { out: { type: 'string' } } });
    if (!values.out) throw new UsageError('--out FILE is required');
    const k = generateSigningKey(resolve(values.out));
    io.stdout.write(`${resolve(values.out)}\n${k.publicFile}\nfingerprint ${k.fingerprint}\n`);
    return 0;
  },
};

export const appPackCommand: CliCommand = {
  name: 'app pack',
  summary: 'build, then sign an app folder into a .hua archive; prints its path',
  help: `Usage: headunit app pack DIR --key FILE [--out FILE.hua]

Builds DIR (as app build), then writes a signed .hua archive (app.json, app.js, the
icon and assets/) to DIR/dist/ID-VERSION.hua, or --out, and prints its path.
The format is described in runtime/src/app-host/package/hua.ts.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { key: { type: 'string' }, out: { type: 'string' } } });
    const dir = resolve(one(positionals, 'DIR'));
    if (!values.key) throw new UsageError('--key FILE is required (make one with headunit app keygen --out FILE)');
    const key = loadPrivateKey(resolve(values.key));
    const b = await buildApp(dir, { vss: VssCatalogue.load() });
    const out = resolve(values.out ?? join(dir, 'dist', `${b.manifest.id}-${b.manifest.version}.hua`));
    writeFileSync(out, packHua(b.manifest.id, b.manifest.version, packageFiles(dir, b.manifest, b.bundle), key));
    io.stdout.write(`${out}\n`);
    return 0;
  },
};

export const appSignCommand: CliCommand = {
  name: 'app sign',
  summary: 'same as app pack (signing happens when packing)',
  help: `Usage: headunit app sign DIR --key FILE [--out FILE.hua]

Builds and packs DIR into a .hua signed with FILE; an alias of 'headunit app pack'.`,
  async run(args, io) {
    return appPackCommand.run(args, io);
  },
};
