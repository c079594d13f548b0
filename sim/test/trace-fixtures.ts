import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CanFrame } from '../../dbc/index.ts';
import type { TraceReader, TraceWriter } from '../src/trace.ts';

/** The real trace samples (python-can's test data, a MoTeC candump log), beside the repository. */
export const SAMPLES = fileURLToPath(new URL('../../../shared/data/traces/', import.meta.url));

/** A frame with defaults for everything but `id`. */
export function frame(fields: Partial<CanFrame> & { id: number }): CanFrame {
  return {
    timestampUs: 0,
    bus: 'can0',
    extended: false,
    fd: false,
    brs: false,
    esi: false,
    rtr: false,
    error: false,
    data: new Uint8Array(0),
    ...fields,
  };
}

/** Bytes from a hex string (spaces allowed). */
export function bytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
}

/** Every frame of a reader, in order. */
export async function readAll(reader: TraceReader): Promise<CanFrame[]> {
  const out: CanFrame[] = [];
  for await (const f of reader) out.push(f);
  return out;
}

/** Writes `frames` and closes the writer. */
export async function writeAll(writer: TraceWriter, frames: readonly CanFrame[]): Promise<void> {
  for (const f of frames) await writer.write(f);
  await writer.close();
}

/** A temporary directory; `cleanup()` removes it. */
export function tempDir(prefix: string): { path(name: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `headunit-${prefix}-`));
  return { path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What an assertion failed with: the error's message, or a note that nothing was thrown. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}
