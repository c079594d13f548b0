/**
 * Live controls of a replay: space pauses/resumes and q or Ctrl-C stops on a terminal;
 * SIGUSR1 pauses, SIGUSR2 resumes, SIGINT and SIGTERM stop (for scripts and piped runs).
 */
import type { Player } from '../player/player.ts';

/** Ctrl-C as a raw-mode terminal sends it. */
const CTRL_C = '\u0003';
/** Period of the timer that holds the process open during a pause (ms). */
const KEEP_ALIVE_MS = 60_000;

/** A terminal input (stdin of a TTY), or any stream for tests. */
export interface KeyInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?: (raw: boolean) => unknown;
}

/** Where the controls say what happened (stderr). */
export interface ControlOutput {
  write(text: string): unknown;
}

/**
 * Attaches the controls to `player`; returns the function that detaches them (restores the
 * terminal, removes the signal handlers). `stopReason` tells what stopped the replay.
 */
export function attachReplayControls(player: Player, input: KeyInput, out: ControlOutput): { detach: () => void; stopReason: () => string | null } {
  let reason: string | null = null;
  const stop = (why: string): void => {
    reason ??= why;
    player.stop();
  };
  // A paused player waits on a promise alone; this timer keeps the process alive meanwhile.
  let keepAlive: NodeJS.Timeout | null = null;
  const onPaused = (): void => {
    keepAlive ??= setInterval(() => undefined, KEEP_ALIVE_MS);
    out.write('\npaused: space or SIGUSR2 resumes\n');
  };
  const onResumed = (): void => {
    if (keepAlive) clearInterval(keepAlive);
    keepAlive = null;
    out.write('\nresumed\n');
  };
  const onKey = (chunk: Buffer | string): void => {
    const keys = chunk.toString();
    if (keys.includes(CTRL_C) || keys.includes('q')) stop('stopped from the keyboard');
    else if (keys.includes(' ')) {
      if (player.isPaused) player.resume();
      else player.pause();
    }
  };
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGUSR1', () => player.pause()],
    ['SIGUSR2', () => player.resume()],
    ['SIGINT', () => stop('SIGINT')],
    ['SIGTERM', () => stop('SIGTERM')],
  ];
  for (const [sig, fn] of handlers) process.on(sig, fn);
  player.on('paused', onPaused);
  player.on('resumed', onResumed);
  const keyboard = input.isTTY === true && typeof input.setRawMode === 'function';
  if (keyboard) {
    input.setRawMode!(true);
    input.on('data', onKey);
    input.resume();
  }
  const detach = (): void => {
    if (keepAlive) clearInterval(keepAlive);
    for (const [sig, fn] of handlers) process.off(sig, fn);
    player.off('paused', onPaused);
    player.off('resumed', onResumed);
    if (keyboard) {
      input.off('data', onKey);
      input.setRawMode!(false);
      input.pause();
    }
  };
  return { detach, stopReason: () => reason };
}
