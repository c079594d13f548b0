import type { GuestInstance } from './guest-instance.ts';

/** How long the app thread counts an unanswered command as in flight (ms); the main thread's wait is as long. */
export const REMOTE_COMMAND_MS = 5000;

/**
 * Whether an app is acting for a remote command, kept in the app thread (host code, out of the
 * guest's reach). A command opens it before the app's `cloud.onCommand` runs; it stays open until
 * the app answered (at the end of that turn, so promise jobs of the same run still count) or the
 * command timed out, and while anything started inside it is pending: a timer set then (until it
 * fired, or was cleared for an interval) and a request made then (until its answer was handled).
 * Whatever starts while it is open holds it open too, for at most REMOTE_COMMAND_MS each.
 * Conservative: while it is open, every actuator request of the app counts as remote, whatever
 * callback made it. What it does not cover: an app that keeps the command's intent in its own
 * state and acts on it later from a callback of its own (a timer past the lapse, a signal
 * change); those requests are the app's, under the policy's rules for everyone (the trunk opens
 * only while parked, whoever asks).
 */
export class RemoteScope {
  private holds = 0;
  /** The latest command (the sender's id) of the current remote period. */
  private command: string | null = null;
  private readonly commands = new Map<string, () => void>();

  /** The command the app is acting for, or null when it is not. */
  get active(): string | null {
    return this.holds > 0 ? this.command : null;
  }

  /** A command is about to be delivered: open until `answered(replyTo)` or `timeoutMs`. */
  begin(replyTo: string, commandId: string, timeoutMs = REMOTE_COMMAND_MS): void {
    this.command = commandId;
    const release = this.take();
    const timer = setTimeout(() => this.answered(replyTo), timeoutMs);
    timer.unref?.();
    this.commands.set(replyTo, () => {
      clearTimeout(timer);
      release();
    });
  }

  /** The app answered (or the command timed out): closes the command's own hold at the end of this turn. */
  answered(replyTo: string): void {
    const close = this.commands.get(replyTo);
    if (!close) return;
    this.commands.delete(replyTo);
    setImmediate(close);
  }

  /**
   * While open: one more hold (for a timer or request started now) and the function that
   * releases it, once; null when closed. A hold lapses after REMOTE_COMMAND_MS whatever it waits
   * for: a 30-minute timer set by a command's handler (climate's auto-off) must not keep the
   * app's own later requests, or the driver's taps on its tile, remote for 30 minutes.
   */
  hold(): (() => void) | null {
    if (this.holds === 0) return null;
    const release = this.take();
    const lapse = setTimeout(release, REMOTE_COMMAND_MS);
    lapse.unref?.();
    return () => {
      clearTimeout(lapse);
      release();
    };
  }

  private take(): () => void {
    this.holds++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.holds === 0) this.command = null;
    };
  }

  /** Releases `release` after the work already queued for this turn (timer deliveries, promise jobs) ran. */
  static later(release: (() => void) | null): void {
    if (release) setImmediate(release);
  }
}

const scopes = new WeakMap<GuestInstance, RemoteScope>();

/** The remote scope of one app instance (a restarted app starts with none open). */
export function remoteScopeOf(inst: GuestInstance): RemoteScope {
  let s = scopes.get(inst);
  if (!s) scopes.set(inst, (s = new RemoteScope()));
  return s;
}
