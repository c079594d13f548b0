import { PassThrough, Writable } from 'node:stream';
import type { CliIo } from '../../dbc/index.ts';

/** A CliIo whose stdout and stderr are collected in memory, for in-process command tests. */
export function captureIo(stdin: NodeJS.ReadableStream = new PassThrough()): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        add(chunk.toString());
        done();
      },
    });
  return { io: { stdin, stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)) }, out: () => out, err: () => err };
}
