/** Option parsing shared by the scripts in this folder (fuzzers, benches). */
import { UsageError } from '../dbc/index.ts';

export { UsageError };

/**
 * Reads a non-negative integer option: `fallback` when absent.
 * @throws UsageError naming the option when `v` is not digits only.
 */
export function intOption(v: string | undefined, name: string, fallback: number | null): number | null {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return Number(v);
}
