import { parseArgs } from 'node:util';
import { UsageError, type CanFrame, type CliCommand } from '../../../dbc/index.ts';
import { SlcanLink, UartBridgeLink, type CanLink } from '../../../firmware-bridge/index.ts';
import { createLinkArg } from './link-arg.ts';
import { formatCandumpLine } from '../readers/candump-line.ts';

/** can-utils' default candump line: `  vcan0  123   [3]  01 02 03`. */
export function formatCandumpScreen(f: CanFrame): string {
  const id = f.extended ? f.id.toString(16).toUpperCase().padStart(8, '0') : f.id.toString(16).toUpperCase().padStart(3, '0').padEnd(8, ' ');
  const len = f.fd ? `[${String(f.data.length).padStart(2, '0')}]` : ` [${f.data.length}]`;
  const body = f.rtr ? 'remote request' : [...f.data].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
  return `  ${f.bus}  ${id}  ${len}  ${body}${f.error ? '  ERRORFRAME' : ''}`;
}

/** What the device says it is: an SLCAN adapter's `V`/`N` answers, the MCU's firmware and protocol. */
async function describeDevice(link: CanLink): Promise<string> {
  if (link instanceof UartBridgeLink) {
    const hello = link.bridgeStats.hello;
    return hello ? ` (MCU firmware ${hello.firmware.join('.')}, protocol ${hello.major}.${hello.minor})` : '';
  }
  if (!(link instanceof SlcanLink)) return '';
  // Identification is a courtesy: an adapter that does not answer still dumps frames.
  const id = await link.identify().catch(() => null);
  if (!id || (id.version === null && id.serial === null)) return '';
  return ` (adapter version ${id.version ?? 'unknown'}${id.serial === null ? '' : `, serial ${id.serial}`})`;
}

export const candumpCommand: CliCommand = {
  name: 'candump',
  summary: 'print the frames of a bus like can-utils candump (-l: log format)',
  help: `Usage: headunit candump LINK [-l] [-n COUNT] [-T MS]

Opens LINK read-only and prints every frame, like can-utils' candump. LINK is
  socketcan:IFNAME[?filter=ID:MASK,...]    e.g. socketcan:can0, socketcan:vcan0?filter=123:7FF
  slcan:DEVICE[@BITRATE][?baud=N&fd=2M&timestamps=1]
                                           an SLCAN adapter, e.g. slcan:/dev/ttyACM0@500k
  bridge:DEVICE[?baud=N&channel=N]         the vehicle-interface MCU over UART, e.g. bridge:/dev/ttyS1
(the README's "Link URLs" has every parameter)

Options:
  -l, --log          write candump -l log lines ("(sec.usec) bus ID#DATA"), byte-compatible with can-utils
  -n, --count N      stop after N frames
  -T, --timeout MS   stop after MS milliseconds without a frame
  -h, --help         show this help

On exit prints the link's counters (frames, overflows, errors) to stderr.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { log: { type: 'boolean', short: 'l' }, count: { type: 'string', short: 'n' }, timeout: { type: 'string', short: 'T' } },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one LINK');
    const count = values.count === undefined ? Infinity : Number(values.count);
    const timeoutMs = values.timeout === undefined ? Infinity : Number(values.timeout);
    if (!(count > 0) || !(timeoutMs > 0)) throw new UsageError('--count and --timeout must be positive numbers');
    const link = await createLinkArg(positionals[0]!);
    link.on('warning', (err) => io.stderr.write(`headunit candump: ${err.message}\n`));
    link.on('state', (s, why) => s === 'reconnecting' && io.stderr.write(`headunit candump: link ${s}${why ? `: ${why}` : ''}\n`));
    await link.open();
    io.stderr.write(`listening on ${link.url}${await describeDevice(link)}\n`);
    const stop = (): void => void link.close();
    process.once('SIGINT', stop);
    const it = link[Symbol.asyncIterator]();
    let n = 0;
    try {
      while (n < count) {
        const next = it.next();
        const r = timeoutMs === Infinity ? await next : await Promise.race([next, new Promise<null>((res) => setTimeout(() => res(null), timeoutMs).unref())]);
        if (r === null || r.done) break;
        io.stdout.write((values.log ? formatCandumpLine(r.value) : formatCandumpScreen(r.value)) + '\n');
        n++;
      }
    } finally {
      process.off('SIGINT', stop);
      await link.close();
    }
    const c = link.counters;
    io.stderr.write(`${n} frames; link counters: rx ${c.rxFrames}, overflows ${c.rxOverflows}, rx errors ${c.rxErrors}, bus errors ${c.busErrors}, reconnects ${c.reconnects}\n`);
    return 0;
  },
};
