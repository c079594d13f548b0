/**
 * Test harness shared by the end-to-end CLI tests over PTY pairs: the real `headunit`
 * executable in its own process, and socat PTY pairs in a temp folder.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPtyPair, type PtyPair } from '../src/emulators/pty-pair.ts';

const BIN = fileURLToPath(new URL('../../runtime/bin/headunit.mjs', import.meta.url));

/** How a `headunit` run ended: exit code (null when killed by a signal) and what it printed. */
export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Starts the real `headunit` executable. `ready` resolves once stderr matches `readyWhen`
 * (e.g. candump's "listening on") or the process exits; `done` when it exits. A run longer
 * than 60 s is killed.
 */
export function headunit(args: string[], readyWhen?: RegExp): { ready: Promise<void>; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run: CliRun = { code: null, out: '', err: '' };
  const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (run.out += t));
  let onReady = (): void => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => {
    run.err += t;
    if (readyWhen?.test(run.err)) onReady();
  });
  const done = new Promise<CliRun>((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(kill);
      run.code = code;
      onReady();
      resolve(run);
    }),
  );
  return { ready, done };
}

/** PTY pairs (socat) in one temp folder: `with(fn)` runs `fn` on a fresh pair and kills it after. */
export class PtyPairs {
  readonly dir: string;
  private n = 0;

  constructor(prefix: string) {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
  }

  async with<T>(fn: (pair: PtyPair) => Promise<T>): Promise<T> {
    const n = this.n++;
    const pair = await startPtyPair(join(this.dir, `host${n}`), join(this.dir, `dev${n}`));
    try {
      return await fn(pair);
    } finally {
      await pair.kill();
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
