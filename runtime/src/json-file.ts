import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.ts';

/**
 * Reads a JSON file; a syntax error names file:line:col (JSON.parse only gives a position).
 * @throws ConfigError
 */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, '$', `cannot read: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = errorPosition(text, msg);
    if (Number.isNaN(pos)) throw new ConfigError(file, '$', `invalid JSON: ${msg}`);
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const col = pos - before.lastIndexOf('\n');
    throw new ConfigError(`${file}:${line}:${col}`, '$', `invalid JSON: ${msg.replace(/ in JSON at position \d+.*$/, '').replace(/, \.\.\.?".*$|, ".*$/, '')}`);
  }
}

/**
 * Where JSON.parse failed. V8 says either "at position N" or, since Node 20, quotes the text up
 * to the bad character (`Unexpected token '}', ..."buses": [}" is not valid JSON`); find that.
 */
function errorPosition(text: string, msg: string): number {
  const at = /position (\d+)/.exec(msg);
  if (at) return Number(at[1]);
  const ctx = /"(?:\.\.\.)?([\s\S]*?)(?:\.\.\.)?" is not valid JSON/.exec(msg)?.[1];
  if (ctx) {
    const i = text.indexOf(ctx);
    if (i >= 0 && text.indexOf(ctx, i + 1) < 0) return i + ctx.length - 1;
  }
  if (/Unexpected end of JSON input/.test(msg)) return text.length;
  return NaN;
}

/** Small typed accessors that fail with the JSON path of the value. */
export class JsonReader {
  constructor(readonly file: string) {}

  fail(path: string, reason: string): never {
    throw new ConfigError(this.file, path, reason);
  }

  object(v: unknown, path: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'expected an object');
    return v as Record<string, unknown>;
  }

  string(v: unknown, path: string): string {
    if (typeof v !== 'string' || v === '') this.fail(path, 'expected a non-empty string');
    return v;
  }

  number(v: unknown, path: string, min = -Infinity): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) this.fail(path, `expected a number${min > -Infinity ? ` >= ${min}` : ''}`);
    return v;
  }

  optional<T>(o: Record<string, unknown>, key: string, path: string, read: (v: unknown, p: string) => T): T | undefined {
    return o[key] === undefined ? undefined : read(o[key], `${path}.${key}`);
  }

  /** Rejects keys nobody reads: a typo must not silently do nothing. */
  onlyKeys(o: Record<string, unknown>, keys: readonly string[], path: string): void {
    for (const k of Object.keys(o)) if (!keys.includes(k)) this.fail(`${path}.${k}`, `unknown key (expected one of: ${keys.join(', ')})`);
  }
}
