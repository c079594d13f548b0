/**
 * SLCAN commands (`Sn`, `Yn`, `O`, `C`, `Z1`, `V`, `N`, …) and their flow control: which command
 * is waiting for which answer. Pure; the link hands in the write function and the timer.
 *
 * What real adapters answer (read from their firmware sources):
 * ```
 *              t/r     T/R     d D b B   S O C   Y       Z0/Z1   V               N         C when closed
 *   Lawicel    z CR*   Z CR*   BEL       CR      BEL     CR      Vhhss CR        Nxxxx CR  BEL
 *   USBtin     z CR    Z CR    BEL       CR      BEL     CR      Vhhss CR        Nxxxx CR  BEL
 *   CANable 1  CR      CR      BEL       CR      BEL     BEL     <text> CR CR    BEL       CR
 *   CANable 2  CR      CR      CR        CR      CR      BEL     <text> CR       BEL       CR
 *   * a bare CR when the Lawicel adapter's auto-poll is off
 *   older CANable 2 builds answer nothing at all but V's text ("ack-less")
 *   all of them: BEL when they refuse a command (syntax, wrong state, transmit buffer full)
 * ```
 * Every adapter answers commands in the order it received them, one answer per command, so
 * answers are matched to commands first-in first-out. One command is outstanding by default;
 * `window` > 1 pipelines more (CANable 2 queues 64 frames; USBtin's MCP2515 has 3 transmit
 * buffers and answers BEL when they are full, so keep 1 there). Ack-less adapters get no flow
 * control beyond the serial port's own: a command counts as done once written.
 */
import { TxFailedError } from '../errors.ts';
import type { SlcanAck, SlcanReplyKind } from './slcan-codec.ts';

/** `Sn` nominal bit rates (bit/s → n), as Lawicel, USBtin and CANable define S0-S8. */
const BITRATE_CODES: ReadonlyMap<number, number> = new Map([
  [10_000, 0], [20_000, 1], [50_000, 2], [100_000, 3], [125_000, 4], [250_000, 5], [500_000, 6], [800_000, 7], [1_000_000, 8],
]);
/** `Yn` CAN FD data bit rates (bit/s → n), as CANable 2 defines them. */
const DATA_BITRATE_CODES: ReadonlyMap<number, number> = new Map([[1_000_000, 1], [2_000_000, 2], [4_000_000, 4], [5_000_000, 5]]);

/** The `Sn` command for a nominal bit rate (bit/s), or null when S0-S8 has none (e.g. 83.3k, 33.3k). */
export function bitrateCommand(bitrate: number): string | null {
  const n = BITRATE_CODES.get(bitrate);
  return n === undefined ? null : `S${n}`;
}

/** The `Yn` command for a CAN FD data bit rate (1M, 2M, 4M, 5M), or null. */
export function dataBitrateCommand(bitrate: number): string | null {
  const n = DATA_BITRATE_CODES.get(bitrate);
  return n === undefined ? null : `Y${n}`;
}

/**
 * Commands without arguments. `V` answers `Vhhss` (hardware, software version) on Lawicel and
 * USBtin, free text on CANable; `Z1` is stored in EEPROM on Lawicel adapters.
 */
export const SLCAN_COMMANDS = {
  open: 'O', // go on the bus
  close: 'C', // leave the bus
  version: 'V', // hardware and software version
  firmware: 'v', // firmware version (USBtin)
  serial: 'N', // serial number: Nxxxx
  status: 'F', // status flags: Fxx
  timestampsOn: 'Z1', // append millisecond timestamps to received frames
  timestampsOff: 'Z0', // no timestamps
} as const;

/** A command line as bytes: the command and its CR. */
export function encodeCommand(command: string): Buffer {
  return Buffer.from(`${command}\r`, 'latin1');
}

/** The timer the link injects (tests pass a fake one). */
export interface SlcanTimer {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** How long after a query's reply a bare CR still belongs to it (CANable 1 answers V with text, then CR). */
export const QUERY_GRACE_MS = 20;

interface Command {
  line: Buffer;
  /** The command as written, for error messages (`S6`, `t123…`). */
  label: string;
  /** null: wait for an acknowledgement; otherwise the reply line kinds that answer this query. */
  replies: readonly SlcanReplyKind[] | null;
  /** The answer: its acknowledgement kind, and the reply text of a query ('' for none). */
  resolve(ack: SlcanAck, reply: string): void;
  reject(err: Error): void;
  timer: unknown;
}

/**
 * First-in first-out matching of answers to commands, a window of outstanding commands, and a
 * timeout per command. Queries (V, N, …) run alone: nothing else is outstanding while they are.
 */
export class SlcanCommands {
  private readonly waiting: Command[] = [];
  private readonly outstanding: Command[] = [];
  private graceTimer: unknown = null;
  /** The adapter answers nothing (older CANable 2 firmware): commands are done once written. */
  ackless = false;

  /**
   * @param write writes bytes to the adapter; resolves once the OS has them.
   * @param window commands written before the first is answered (>= 1).
   * @param timeoutMs how long a command may wait for its answer.
   */
  constructor(
    private readonly link: string,
    private readonly write: (bytes: Buffer) => Promise<void>,
    private readonly timer: SlcanTimer,
    private readonly window = 1,
    private readonly timeoutMs = 1000,
  ) {}

  /**
   * Writes a command (or frame line, with its CR) once the window allows, and resolves with
   * its answer: `ok`, `z`, `Z` or `bel` (refused). Ack-less adapters: `ok` once written.
   * @throws TxFailedError when the adapter does not answer within the timeout, the write fails,
   *   or the link fails all commands (device lost, link closed).
   */
  send(line: Buffer): Promise<SlcanAck> {
    return new Promise((resolve, reject) => this.enqueue(line, null, (ack) => resolve(ack), reject));
  }

  /**
   * Sends a query and resolves with its reply line (without the letter: `V1013` → `1013`; a
   * text reply whole; '' when the adapter acknowledged without a reply), or null on BEL.
   * @throws TxFailedError as `send`.
   */
  query(command: string, replies: readonly SlcanReplyKind[]): Promise<string | null> {
    return new Promise((resolve, reject) => this.enqueue(encodeCommand(command), replies, (ack, reply) => resolve(ack === 'bel' ? null : reply), reject));
  }

  /** An acknowledgement arrived: it answers the oldest outstanding command. */
  onAck(kind: SlcanAck): void {
    if (this.graceTimer !== null && kind === 'ok') return this.endGrace();
    const cmd = this.outstanding.shift();
    if (!cmd) return; // a late answer to a command that timed out, or noise
    this.timer.clearTimeout(cmd.timer);
    cmd.resolve(kind, '');
    this.pump();
  }

  /** A reply line arrived; returns false when no query was waiting for it. */
  onReply(kind: SlcanReplyKind, text: string): boolean {
    const cmd = this.outstanding[0];
    if (!cmd?.replies || (!cmd.replies.includes(kind) && kind !== 'text')) return false;
    this.outstanding.shift();
    this.timer.clearTimeout(cmd.timer);
    cmd.resolve('ok', text);
    // Hold the next command until a trailing bare CR (if any) has been swallowed.
    this.graceTimer = this.timer.setTimeout(() => this.endGrace(), QUERY_GRACE_MS);
    return true;
  }

  /** Fails every waiting and outstanding command (device lost, link closing, resync). */
  failAll(reason: string): void {
    const all = [...this.outstanding.splice(0), ...this.waiting.splice(0)];
    for (const cmd of all) {
      this.timer.clearTimeout(cmd.timer);
      cmd.reject(new TxFailedError(this.link, `"${cmd.label}" not answered: ${reason}`));
    }
    if (this.graceTimer !== null) this.timer.clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }

  /** Commands written and not yet answered. */
  get pending(): number {
    return this.outstanding.length;
  }

  private enqueue(line: Buffer, replies: readonly SlcanReplyKind[] | null, resolve: Command['resolve'], reject: Command['reject']): void {
    const label = line.toString('latin1', 0, Math.min(line.length - 1, 24));
    this.waiting.push({ line, label, replies, resolve, reject, timer: null });
    this.pump();
  }

  private endGrace(): void {
    if (this.graceTimer !== null) this.timer.clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.pump();
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.graceTimer === null) {
      const next = this.waiting[0]!;
      const busy = this.outstanding.length;
      // A query runs alone, so its reply cannot be confused with another command's answer.
      if (busy >= this.window || (busy > 0 && (next.replies !== null || this.outstanding[0]!.replies !== null))) return;
      this.waiting.shift();
      this.dispatch(next);
    }
  }

  private dispatch(cmd: Command): void {
    const ackless = this.ackless && cmd.replies === null;
    if (!ackless) {
      this.outstanding.push(cmd);
      cmd.timer = this.timer.setTimeout(() => this.timedOut(cmd), this.timeoutMs);
    }
    this.write(cmd.line).then(
      () => {
        if (ackless) cmd.resolve('ok', '');
      },
      (err: Error) => {
        const i = this.outstanding.indexOf(cmd);
        if (i >= 0) this.outstanding.splice(i, 1);
        this.timer.clearTimeout(cmd.timer);
        cmd.reject(new TxFailedError(this.link, `cannot write "${cmd.label}": ${err.message}`, { cause: err }));
        this.pump();
      },
    );
  }

  private timedOut(cmd: Command): void {
    // Answers come in order, so every command written after this one is now unmatched too.
    const i = this.outstanding.indexOf(cmd);
    if (i < 0) return;
    const lost = this.outstanding.splice(i);
    for (const c of lost) {
      this.timer.clearTimeout(c.timer);
      c.reject(new TxFailedError(this.link, `no answer to "${c.label}" within ${this.timeoutMs} ms`));
    }
    this.pump();
  }
}
