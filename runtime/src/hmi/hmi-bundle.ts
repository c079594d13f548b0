import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HmiBuildError } from '../errors.ts';

/** The folder the bundle is built from (this file's folder: ui/, protocol.ts; the template types come from ../ui-templates, types only). */
export const HMI_SOURCE_DIR = fileURLToPath(new URL('.', import.meta.url));
/** The project's packages (preact), found from any source folder. */
const NODE_MODULES = fileURLToPath(new URL('../../../node_modules/', import.meta.url));
/** Where built bundles are kept between starts, keyed by a hash of their sources. */
export const DEFAULT_CACHE_DIR = fileURLToPath(new URL('../../../node_modules/.cache/headunit-hmi/', import.meta.url));

/** The built UI: one script and one stylesheet, named by the hash of what they were built from. */
export interface HmiBundle {
  hash: string;
  js: Buffer;
  css: Buffer;
  /** True when it came from the cache, false when esbuild ran. */
  cached: boolean;
  buildMs: number;
}

/** Every file the bundle can depend on, sorted: the UI sources and the shared pure modules. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(tsx?|css)$/.test(e.name) && !/\.test\.ts$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** Hash of the sources and the versions of the tools that build them. */
function sourceHash(dir: string, toolVersions: string): string {
  const h = createHash('sha256').update(toolVersions);
  for (const f of sourceFiles(dir)) h.update(f.slice(dir.length)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 16);
}

function readCached(cacheDir: string, hash: string): { js: Buffer; css: Buffer } | null {
  try {
    return { js: readFileSync(join(cacheDir, `${hash}.js`)), css: readFileSync(join(cacheDir, `${hash}.css`)) };
  } catch {
    return null;
  }
}

/** Writes atomically (temp file + rename) so a concurrent start never reads half a bundle. */
function writeCached(cacheDir: string, hash: string, js: Buffer, css: Buffer): void {
  try {
    mkdirSync(cacheDir, { recursive: true });
    for (const [ext, data] of [['js', js], ['css', css]] as const) {
      const tmp = join(cacheDir, `${hash}.${ext}.${process.pid}.tmp`);
      writeFileSync(tmp, data);
      renameSync(tmp, join(cacheDir, `${hash}.${ext}`));
    }
  } catch {
    // A read-only install still runs: the bundle is rebuilt in memory at each start.
  }
}

/**
 * Returns the UI bundle, building it with esbuild (Preact JSX, minified, ES2022) when the cache
 * has no build of the current sources. No step for the user: `npm start` calls this.
 * @throws HmiBuildError with the first esbuild error's file:line:col.
 */
export async function buildHmiBundle(opts: { sourceDir?: string; cacheDir?: string } = {}): Promise<HmiBundle> {
  const t0 = performance.now();
  const sourceDir = opts.sourceDir ?? HMI_SOURCE_DIR;
  const cacheDir = opts.cacheDir ?? DEFAULT_CACHE_DIR;
  const esbuild = await import('esbuild');
  const hash = sourceHash(sourceDir, `esbuild ${esbuild.version}`);
  const hit = readCached(cacheDir, hash);
  if (hit) return { hash, ...hit, cached: true, buildMs: performance.now() - t0 };
  let result: Awaited<ReturnType<typeof esbuild.build>>;
  try {
    result = await esbuild.build({
      entryPoints: [join(sourceDir, 'ui', 'main.tsx')],
      bundle: true,
      write: false,
      outdir: 'out',
      format: 'esm',
      target: 'es2022',
      minify: true,
      jsx: 'automatic',
      jsxImportSource: 'preact',
      nodePaths: [NODE_MODULES],
      logLevel: 'silent',
    });
  } catch (err) {
    const first = (err as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors?.[0];
    const loc = first?.location;
    throw new HmiBuildError(first?.text ?? (err as Error).message, loc?.file ?? sourceDir, loc?.line ?? 0, (loc?.column ?? 0) + 1);
  }
  const files = result.outputFiles ?? [];
  const js = Buffer.from(files.find((f) => f.path.endsWith('.js'))?.contents ?? new Uint8Array());
  const cssFile = files.find((f) => f.path.endsWith('.css'));
  const css = Buffer.from(cssFile ? cssFile.contents : new Uint8Array());
  writeCached(cacheDir, hash, js, css);
  return { hash, js, css, cached: false, buildMs: performance.now() - t0 };
}
