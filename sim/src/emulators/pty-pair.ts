import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { SimError } from '../errors.ts';

/** How long socat may take to create both PTYs. */
const START_TIMEOUT_MS = 5000;
/** socat's notice (at -d -d) once both ends exist and bytes flow. */
const READY = /starting data transfer loop/;

/** Two linked pseudo-terminals made by socat: bytes written to one end come out of the other. */
export interface PtyPair {
  /** Symlink to one end (give it to the link under test). */
  readonly a: string;
  /** Symlink to the other end (give it to the emulator). */
  readonly b: string;
  /** Ends socat: both ends hang up, as an unplugged USB adapter does, and the symlinks go. */
  kill(): Promise<void>;
}

/** True when `socat` can be run (CI installs it; tests skip with a message without it). */
export function socatAvailable(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

/**
 * Starts `socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B` and resolves once both ends
 * exist. The same paths may be used again after `kill()` (an adapter that comes back).
 * @throws SimError `SOCAT` when socat is missing, exits, or is not ready within 5 s.
 */
export function startPtyPair(a: string, b: string): Promise<PtyPair> {
  const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(new SimError(`socat PTY pair ${a} <-> ${b}: ${why}${log ? `\n${log.trim()}` : ''}`, 'SOCAT'));
    };
    const timer = setTimeout(() => fail(`not ready within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    proc.once('error', (err) => fail(err.message));
    proc.once('exit', (code) => fail(`exited with ${code}`));
    proc.stderr!.setEncoding('utf8');
    const onLog = (text: string): void => {
      log = (log + text).slice(-2000);
      if (!READY.test(log)) return;
      clearTimeout(timer);
      proc.removeAllListeners('exit');
      proc.removeAllListeners('error');
      proc.stderr!.off('data', onLog);
      proc.stderr!.resume(); // keep draining socat's notices
      resolve({ a, b, kill: () => stop(proc) });
    };
    proc.stderr!.on('data', onLog);
  });
}

function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}
