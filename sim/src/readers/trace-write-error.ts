import { SimError } from '../errors.ts';

/**
 * A frame a writer cannot store in its format (a bus name candump cannot carry, nine bytes in a
 * classic frame, a BLF frame earlier than the file's start), a write after `close()`, or a
 * file name whose format cannot be told. The file is left as written so far.
 *
 * Belongs in `sim/src/errors.ts` as `SimError └── TraceWriteError` (code `TRACE_WRITE`); it
 * lives here only until that file's owner moves it.
 */
export class TraceWriteError extends SimError {
  override name = 'TraceWriteError';
  constructor(
    readonly file: string,
    /** 0-based index of the refused frame among those given to `write()`, or null. */
    readonly frameIndex: number | null,
    readonly reason: string,
  ) {
    super(`${file}: ${frameIndex !== null ? `frame ${frameIndex}: ` : ''}${reason}`, 'TRACE_WRITE');
  }
}
