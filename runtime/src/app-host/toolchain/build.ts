import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Message } from 'esbuild';
import type { VssCatalogue } from '../../vss/catalogue.ts';
import { BuildError } from '../errors.ts';
import { loadManifestFile, type AppManifest } from '../manifest/manifest.ts';

/** The SDK apps import as `@headunit/sdk` (resolved to apps/sdk at build time, bundled in). */
export const SDK_ENTRY = fileURLToPath(new URL('../../../../apps/sdk/index.ts', import.meta.url));
/** Largest bundle accepted (bytes). */
export const MAX_BUNDLE_BYTES = 1024 * 1024;

export interface BuiltApp {
  manifest: AppManifest;
  bundle: string;
  /** Where the bundle was written (`DIR/dist/app.js`), or null for an in-memory build. */
  file: string | null;
  ms: number;
}

const located = (m: Message, dir: string): BuildError =>
  new BuildError(m.location ? relative(process.cwd(), join(dir, m.location.file)) || m.location.file : dir, m.location?.line ?? 0, (m.location?.column ?? -1) + 1, m.text);

/**
 * Bundles an app folder (its app.json `entry` and everything it imports, the SDK included) into
 * one script for the sandbox: an IIFE, ES2020, no Node built-ins, at most 1 MB. Writes
 * `DIR/dist/app.js` unless `write` is false.
 * @throws ManifestError / BuildError with file:line:col
 */
export async function buildApp(dir: string, o: { vss?: VssCatalogue; write?: boolean } = {}): Promise<BuiltApp> {
  const t0 = performance.now();
  const manifest = loadManifestFile(join(dir, 'app.json'), o.vss);
  const entry = join(dir, manifest.entry);
  if (!existsSync(entry)) throw new BuildError(join(dir, 'app.json'), 0, 0, `entry ${manifest.entry} does not exist`);
  let out: string;
  try {
    const r = await build({
      entryPoints: [entry],
      absWorkingDir: dir,
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'neutral',
      target: 'es2020',
      mainFields: ['module', 'main'],
      alias: { '@headunit/sdk': SDK_ENTRY },
      logLevel: 'silent',
      legalComments: 'none',
    });
    out = r.outputFiles[0]!.text;
  } catch (err) {
    const first = (err as { errors?: Message[] }).errors?.[0];
    if (first) throw located(first, dir);
    throw err;
  }
  if (Buffer.byteLength(out) > MAX_BUNDLE_BYTES) throw new BuildError(entry, 0, 0, `bundle is ${Buffer.byteLength(out)} bytes; the limit is ${MAX_BUNDLE_BYTES}`);
  let file: string | null = null;
  if (o.write !== false) {
    mkdirSync(join(dir, 'dist'), { recursive: true });
    file = join(dir, 'dist', 'app.js');
    writeFileSync(file, out);
  }
  return { manifest, bundle: out, file, ms: performance.now() - t0 };
}

/** The files of a package: app.json, the bundle as app.js, the icon and everything under assets/. */
export function packageFiles(dir: string, manifest: AppManifest, bundle: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>([
    ['app.json', readFileSync(join(dir, 'app.json'))],
    ['app.js', Buffer.from(bundle)],
  ]);
  if (manifest.icon && existsSync(join(dir, manifest.icon))) files.set(manifest.icon.replace(/^\.\//, ''), readFileSync(join(dir, manifest.icon)));
  const walk = (sub: string): void => {
    for (const n of readdirSync(join(dir, sub))) {
      const rel = `${sub}/${n}`;
      if (statSync(join(dir, rel)).isDirectory()) walk(rel);
      else files.set(rel, readFileSync(join(dir, rel)));
    }
  };
  if (existsSync(join(dir, 'assets'))) walk('assets');
  return files;
}
