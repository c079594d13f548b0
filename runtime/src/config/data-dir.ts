import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The head unit's data folder, the same for every command (`start`, `app ...`, `cloud ...`,
 * `ledger`): `--data DIR`, else `$HEADUNIT_DATA`, else `fallback` (a configuration's `data`),
 * else `~/.headunit`.
 */
export function dataDirFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, fallback?: string): string {
  if (flag) return resolve(flag);
  if (env['HEADUNIT_DATA']) return resolve(env['HEADUNIT_DATA']);
  return fallback ?? join(homedir(), '.headunit');
}
