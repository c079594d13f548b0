import type { BindingInterface } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import type { OutgoingFrame } from '../../../firmware-bridge/index.ts';
import { SimError } from '../errors.ts';

/**
 * Which real adapter to imitate; their answers differ (from their firmware sources):
 * ```
 *   lawicel     CANUSB: t→z CR, T→Z CR, V→V1013, N→NA123, Z0/Z1, BEL for C when closed
 *   usbtin      USBtin: as lawicel, V→V0107, v→v0107, N→N5A3F, F→F00
 *   canable     CANable 1 slcan firmware: CR for everything, V→"<hash> <remote>" CR CR, N→BEL
 *   canable-fd  CANable 2: as canable but V without the extra CR, CAN FD (d D b B, Y1 Y2 Y4 Y5)
 *   ackless     older CANable 2 builds: no answer at all except V's text; CAN FD
 * ```
 */
export type SlcanDialect = 'lawicel' | 'usbtin' | 'canable' | 'canable-fd' | 'ackless';

export interface SlcanAdapterOptions {
  /** The serial device to serve (one end of a PTY pair). */
  path: string;
  /** Serial binding (default: @serialport/bindings-cpp autoDetect()). */
  binding?: BindingInterface;
  dialect?: SlcanDialect;
  /** Answer nothing at all (a dead adapter, or not an SLCAN device). */
  silent?: boolean;
  /** Frames the bus refuses: the adapter answers BEL instead of sending them. */
  refuseTx?: (frame: OutgoingFrame) => boolean;
  /** The adapter's millisecond clock for `Z1` timestamps (default: Date.now). */
  clockMs?: () => number;
}

/** Payload bytes for CAN FD length codes 0x0-0xF (kept separate from the link's codec on purpose). */
const FD_LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64];
/** Bel: the adapter's "no". */
const BEL = '\x07';
const CR = '\r';

/**
 * An SLCAN adapter on a serial port, for tests and benchmarks: it answers the open sequence,
 * queries and frames like the chosen dialect, records what the host sent, and puts frames on
 * the host's side of the "bus". Its parsing is deliberately plain string work, independent of
 * the link's codec, so the two check each other.
 */
export class SlcanAdapter {
  /** Frames the host transmitted (and the adapter accepted), in order. */
  readonly received: OutgoingFrame[] = [];
  /** Every command line the host sent, without CR. */
  readonly commands: string[] = [];
  /** The channel is open (after `O`). */
  channelOpen = false;
  timestamps = false;
  private pending = '';
  private waiters: (() => void)[] = [];
  private readonly dialect: SlcanDialect;
  private readonly fd: boolean;

  private constructor(
    private readonly port: SerialPortStream,
    private readonly options: SlcanAdapterOptions,
  ) {
    this.dialect = options.dialect ?? 'lawicel';
    this.fd = this.dialect === 'canable-fd' || this.dialect === 'ackless';
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', () => undefined); // the host side vanishing is part of the tests
  }

  /**
   * Opens the serial device and starts answering.
   * @throws SimError `EMULATOR_OPEN` when the device cannot be opened.
   */
  static async start(options: SlcanAdapterOptions): Promise<SlcanAdapter> {
    const binding = options.binding ?? (await import('@serialport/bindings-cpp')).autoDetect();
    const port = new SerialPortStream({ binding, path: options.path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(new SimError(`SLCAN emulator: cannot open ${options.path}: ${err.message}`, 'EMULATOR_OPEN', { cause: err })) : resolve())),
    );
    return new SlcanAdapter(port, options);
  }

  /** Puts a frame on the bus toward the host (only while the channel is open, as a real adapter). */
  inject(frame: OutgoingFrame, adapterMs?: number): Promise<void> {
    if (!this.channelOpen) return Promise.resolve();
    return this.writeRaw(this.frameLine(frame, adapterMs));
  }

  /** Writes bytes as they are: garbage, half lines, anything. */
  writeRaw(bytes: string | Uint8Array): Promise<void> {
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    return new Promise((resolve, reject) => {
      const more = this.port.write(data, (err) => (err ? reject(err) : undefined));
      if (more) resolve();
      else this.port.once('drain', () => resolve());
    });
  }

  /**
   * Sends `count` frames as fast as the port takes them, `frameAt(k)` giving frame k, in
   * blocks of lines written at once. Resolves when all are written to the OS.
   */
  async blast(count: number, frameAt: (k: number) => OutgoingFrame, linesPerWrite = 2048): Promise<void> {
    for (let k = 0; k < count; ) {
      const parts: string[] = [];
      for (const end = Math.min(count, k + linesPerWrite); k < end; k++) parts.push(this.frameLine(frameAt(k)));
      await this.writeRaw(parts.join(''));
    }
    await new Promise<void>((resolve) => this.port.drain(() => resolve()));
  }

  /**
   * Resolves once the host has sent `count` frames, with the first `count`.
   * @throws SimError `EMULATOR_TIMEOUT` when they do not come in time.
   */
  async waitReceived(count: number, timeoutMs = 5000): Promise<OutgoingFrame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new SimError(`SLCAN emulator: received ${this.received.length} of ${count} frames within ${timeoutMs} ms`, 'EMULATOR_TIMEOUT');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
    return this.received.slice(0, count);
  }

  /** Closes the serial device: the adapter vanishes (the harness also kills socat to hang up the host). */
  close(): Promise<void> {
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.port.close(() => resolve()));
  }

  private onData(chunk: Buffer): void {
    this.pending += chunk.toString('latin1');
    for (let i = this.pending.indexOf(CR); i >= 0; i = this.pending.indexOf(CR)) {
      const line = this.pending.slice(0, i);
      this.pending = this.pending.slice(i + 1);
      this.command(line);
    }
  }

  private command(line: string): void {
    if (this.options.silent) return;
    this.commands.push(line);
    const answer = this.answer(line);
    if (this.dialect === 'ackless' && line[0] !== 'V') return;
    if (answer !== '') void this.writeRaw(answer).catch(() => undefined);
  }

  /** What the adapter sends back for one command line. */
  private answer(line: string): string {
    const strict = this.dialect === 'lawicel' || this.dialect === 'usbtin';
    switch (line[0]) {
      case 'S':
        return /^S[0-8]$/.test(line) && !this.channelOpen ? CR : BEL;
      case 'Y':
        return this.fd && /^Y[1245]$/.test(line) && !this.channelOpen ? CR : BEL;
      case 'O':
        if (this.channelOpen && strict) return BEL;
        this.channelOpen = true;
        return CR;
      case 'C':
        if (!this.channelOpen && strict) return BEL;
        this.channelOpen = false;
        return CR;
      case 'Z':
        if (!strict || !/^Z[01]$/.test(line) || this.channelOpen) return BEL;
        this.timestamps = line === 'Z1';
        return CR;
      case 'V':
        if (this.dialect === 'lawicel') return `V1013${CR}`;
        if (this.dialect === 'usbtin') return `V0107${CR}`;
        return `a1b2c3d https://github.com/normaldotcom/canable${this.fd ? '2' : ''}-fw.git${CR}${this.dialect === 'canable' ? CR : ''}`;
      case 'v':
        return this.dialect === 'usbtin' ? `v0107${CR}` : BEL;
      case 'N':
        return this.dialect === 'lawicel' ? `NA123${CR}` : this.dialect === 'usbtin' ? `N5A3F${CR}` : BEL;
      case 'F':
        return strict ? `F00${CR}` : BEL;
      case 't': case 'T': case 'r': case 'R': case 'd': case 'D': case 'b': case 'B':
        return this.transmit(line, strict);
      default:
        return strict || line !== '' ? BEL : CR;
    }
  }

  private transmit(line: string, strict: boolean): string {
    const frame = parseFrameLine(line);
    if (!frame || !this.channelOpen || (frame.fd && !this.fd) || this.options.refuseTx?.(frame)) return BEL;
    this.received.push(frame);
    for (const w of this.waiters.splice(0)) w();
    if (!strict) return CR;
    return (line[0] === 'T' || line[0] === 'R' ? 'Z' : 'z') + CR;
  }

  /** The line this adapter sends for a frame (with a timestamp after `Z1`: `adapterMs`, or its clock). */
  frameLine(f: OutgoingFrame, adapterMs?: number): string {
    const fd = f.fd === true || f.data.length > 8;
    const letter = f.rtr ? 'r' : !fd ? 't' : f.brs ? 'b' : 'd';
    const code = fd ? FD_LENGTHS.indexOf(f.data.length) : f.data.length;
    if (code < 0) throw new SimError(`SLCAN emulator: ${f.data.length} bytes is not a CAN FD length`, 'EMULATOR_FRAME');
    let line = (f.extended ? letter.toUpperCase() : letter) + f.id.toString(16).toUpperCase().padStart(f.extended ? 8 : 3, '0') + code.toString(16).toUpperCase();
    if (!f.rtr) line += Buffer.from(f.data).toString('hex').toUpperCase();
    if (this.timestamps) {
      const ms = adapterMs ?? (this.options.clockMs ?? Date.now)() % 60000;
      line += ms.toString(16).toUpperCase().padStart(4, '0');
    }
    return line + CR;
  }
}

/** Parses a host's transmit command with plain string work; null when it is not a valid one. */
function parseFrameLine(line: string): OutgoingFrame | null {
  const m = /^([tTrRdDbB])([0-9A-Fa-f]+)$/.exec(line);
  if (!m) return null;
  const letter = m[1]!;
  const extended = letter === letter.toUpperCase();
  const idLen = extended ? 8 : 3;
  const rest = m[2]!;
  if (rest.length < idLen + 1) return null;
  const id = Number.parseInt(rest.slice(0, idLen), 16);
  if (id > (extended ? 0x1fffffff : 0x7ff)) return null;
  const code = Number.parseInt(rest[idLen]!, 16);
  const fd = 'dDbB'.includes(letter);
  const rtr = 'rR'.includes(letter);
  if (!fd && code > 8) return null;
  const length = fd ? FD_LENGTHS[code]! : code;
  const hex = rest.slice(idLen + 1);
  if (hex.length !== (rtr ? 0 : length * 2)) return null;
  const data = rtr ? new Uint8Array(length) : Uint8Array.from(Buffer.from(hex, 'hex'));
  return { id, extended, data, fd, brs: 'bB'.includes(letter), rtr };
}
