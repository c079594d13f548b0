/**
 * Test doubles for the SLCAN link's injected parts: a serial binding whose "adapter" answers
 * every command with CR (and can vanish or refuse to open), and a timer that runs only when
 * stepped. For tests that need exact timing; the PTY tests use the real binding and emulator.
 */
import type { OpenOptions, PortStatus } from '@serialport/bindings-cpp';
import type { SlcanTimer } from './slcan-commands.ts';

interface PendingRead {
  buffer: Buffer;
  offset: number;
  length: number;
  resolve(r: { buffer: Buffer; bytesRead: number }): void;
  reject(err: Error): void;
}

/** A port (BindingPortInterface) on an adapter that acknowledges each command line with CR. */
export class FakeAdapterPort {
  isOpen = true;
  /** While true the adapter's answers wait in its inbox (a slow adapter or a busy host); see `release`. */
  hold = false;
  /** Everything the host wrote, as text. */
  written = '';
  private inbox: Buffer[] = [];
  private reader: PendingRead | null = null;

  constructor(readonly openOptions: Required<OpenOptions>) {}

  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!this.isOpen) return Promise.reject(Object.assign(new Error('Port is not open'), { canceled: true }));
    return new Promise((resolve, reject) => {
      this.reader = { buffer, offset, length, resolve, reject };
      this.feed();
    });
  }

  async write(buffer: Buffer): Promise<void> {
    this.written += buffer.toString('latin1');
    for (const byte of buffer) if (byte === 0x0d) this.inbox.push(Buffer.from('\r'));
    this.feed();
  }

  /** The adapter is unplugged: the pending read fails the way a hung-up tty does. */
  vanish(): void {
    const r = this.reader;
    this.reader = null;
    r?.reject(new Error('EIO: input/output error'));
  }

  async close(): Promise<void> {
    this.isOpen = false;
    const r = this.reader;
    this.reader = null;
    r?.reject(Object.assign(new Error('Port is closing'), { canceled: true }));
  }

  async update(): Promise<void> {}
  async set(): Promise<void> {}
  async get(): Promise<PortStatus> {
    return { cts: false, dsr: false, dcd: false };
  }
  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.openOptions.baudRate };
  }
  async flush(): Promise<void> {}
  async drain(): Promise<void> {}

  /** Ends `hold`: the answers held so far go out. */
  release(): void {
    this.hold = false;
    this.feed();
  }

  private feed(): void {
    if (this.hold || !this.reader || this.inbox.length === 0) return;
    const { buffer, offset, length, resolve } = this.reader;
    this.reader = null;
    const data = Buffer.concat(this.inbox.splice(0));
    const n = data.copy(buffer, offset, 0, length);
    if (n < data.length) this.inbox.push(data.subarray(n));
    resolve({ buffer, bytesRead: n });
  }
}

/** A binding (BindingInterface) whose opens can fail: with a fixed error, or `failOpens` times with ENOENT. */
export class FakeSerialBinding {
  opens = 0;
  /** The next this-many opens fail with "No such file or directory". */
  failOpens = 0;
  port: FakeAdapterPort | null = null;

  /** `hold`: each new port starts holding its answers (see FakeAdapterPort.hold). */
  constructor(private readonly o: { openError?: string; hold?: boolean }) {}

  async list(): Promise<[]> {
    return [];
  }

  async open(options: OpenOptions): Promise<FakeAdapterPort> {
    this.opens++;
    if (this.o.openError) throw new Error(this.o.openError);
    if (this.failOpens > 0) {
      this.failOpens--;
      throw new Error(`Error: No such file or directory, cannot open ${options.path}`);
    }
    const full = { dataBits: 8, lock: true, stopBits: 1, parity: 'none', rtscts: false, xon: false, xoff: false, xany: false, hupcl: true, ...options } as Required<OpenOptions>;
    this.port = new FakeAdapterPort(full);
    this.port.hold = this.o.hold === true;
    return this.port;
  }
}

/** A timer that never fires by itself: `runUntil` lets I/O settle, then fires the earliest timer, step by step. */
export class SteppedTimer implements SlcanTimer {
  /** Every timer set, in order: its delay and whether it was cleared before it fired. */
  readonly log: { ms: number; cleared: boolean }[] = [];
  private now = 0;
  private tasks: { at: number; fn: () => void; entry: { ms: number; cleared: boolean } }[] = [];

  setTimeout(fn: () => void, ms: number): unknown {
    const entry = { ms, cleared: false };
    this.log.push(entry);
    const task = { at: this.now + ms, fn, entry };
    this.tasks.push(task);
    return task;
  }

  clearTimeout(handle: unknown): void {
    const i = this.tasks.indexOf(handle as SteppedTimer['tasks'][number]);
    if (i < 0) return;
    this.tasks[i]!.entry.cleared = true;
    this.tasks.splice(i, 1);
  }

  /** Lets `ms` pass: fires, in time order, every timer due by then (after letting I/O run). */
  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    for (;;) {
      for (let i = 0; i < 8; i++) await new Promise((r) => setImmediate(r));
      const next = [...this.tasks].sort((a, b) => a.at - b.at)[0];
      if (!next || next.at > until) break;
      this.tasks.splice(this.tasks.indexOf(next), 1);
      this.now = next.at;
      next.fn();
    }
    this.now = until;
  }

  /**
   * Alternates "let pending I/O and promises run" with "fire the earliest timer" until `cond`.
   * @throws Error naming `what` after 200 steps.
   */
  async runUntil(cond: () => boolean, what: string): Promise<void> {
    for (let step = 0; step < 200; step++) {
      for (let i = 0; i < 8; i++) await new Promise((r) => setImmediate(r));
      if (cond()) return;
      const next = [...this.tasks].sort((a, b) => a.at - b.at)[0];
      if (!next) continue;
      this.tasks.splice(this.tasks.indexOf(next), 1);
      this.now = next.at;
      next.fn();
    }
    throw new Error(`SteppedTimer: ${what} did not happen within 200 steps`);
  }
}
