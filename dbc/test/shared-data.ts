import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `../shared/data` beside the repository (read-only test material; see README "Tests"). */
export const SHARED_DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

if (!existsSync(SHARED_DATA)) {
  throw new Error(`tests need ../shared/data beside the repository; not found at ${SHARED_DATA}`);
}

/** Absolute paths of the real DBC files: opendbc's 91 and cantools' 13. */
export function realDbcFiles(which: 'opendbc' | 'cantools' | 'all' = 'all'): string[] {
  const dirs = which === 'all' ? ['opendbc', 'cantools'] : [which];
  return dirs.flatMap((d) => {
    const dir = `${SHARED_DATA}dbc/${d}/`;
    return readdirSync(dir).filter((f) => f.endsWith('.dbc')).sort().map((f) => dir + f);
  });
}
