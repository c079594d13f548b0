import { parseArgs } from 'node:util';
import { loadDbcFile } from '../formats/dbc/load.ts';
import type { Message } from '../model/message.ts';
import type { Signal } from '../model/signal.ts';
import { layoutSignal } from '../codec/bit-layout.ts';
import { UsageError, type CliCommand } from './command.ts';

const hexId = (m: Message): string => `0x${m.id.toString(16).toUpperCase().padStart(m.extended ? 8 : 3, '0')}`;
const layoutText = (s: Signal): string => `${s.startBit}|${s.length}@${s.byteOrder === 'little_endian' ? '1' : '0'}${s.signed ? '-' : '+'}`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => '  ' + r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

/** Letter used for signal i in the bit grid: A-Z, then a-z, then digits. */
const mark = (i: number): string => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[i % 62]!;

/**
 * The message's bytes as a grid, bit 7 on the left like the DBC's sawtooth numbering; each cell
 * shows the letter of the signal that owns the bit (`.` = unused, `*` = several, i.e. mux
 * branches sharing bits).
 */
function bitGrid(m: Message): string {
  const owner: string[] = new Array(Math.max(m.length, 1) * 8).fill('.');
  m.signals.forEach((s, i) => {
    for (const c of layoutSignal(s).chunks) {
      for (let b = c.lo; b < c.lo + c.width; b++) {
        const at = c.byte * 8 + b;
        if (at >= owner.length) continue;
        owner[at] = owner[at] === '.' ? mark(i) : '*';
      }
    }
  });
  const lines = ['         bit  7 6 5 4 3 2 1 0'];
  for (let byte = 0; byte < m.length; byte++) {
    const cells = [7, 6, 5, 4, 3, 2, 1, 0].map((b) => owner[byte * 8 + b]).join(' ');
    lines.push(`  byte ${String(byte).padStart(2)}      ${cells}`);
  }
  return lines.join('\n');
}

function dumpMessage(m: Message): string {
  const head = `${m.name}  id ${hexId(m)}${m.extended ? ' (29-bit)' : ''}  ${m.length} bytes${m.isFd ? ' CAN FD' : ''}` +
    `${m.cycleTimeMs !== null ? `  every ${m.cycleTimeMs} ms` : ''}${m.senders.length ? `  from ${m.senders.join(', ')}` : ''}`;
  const rows = [['', 'signal', 'bits', 'factor', 'offset', 'min..max', 'unit', 'mux', 'type']];
  m.signals.forEach((s, i) => {
    const mux = s.isMultiplexer ? (s.multiplexerSignal ? `switch, when ${s.multiplexerSignal} in ${s.multiplexerIds?.join(',')}` : 'switch') :
      s.multiplexerSignal ? `when ${s.multiplexerSignal} in ${s.multiplexerIds!.length > 8 ? `${s.multiplexerIds!.length} values` : s.multiplexerIds!.join(',')}` : '';
    const type = s.valueType === 'integer' ? (s.signed ? 'signed' : 'unsigned') : s.valueType;
    rows.push([mark(i), s.name, layoutText(s), String(s.factor), String(s.offset), `${s.minimum}..${s.maximum}`, s.unit, mux, type + (s.choices ? ` (${s.choices.size} choices)` : '')]);
  });
  const parts = [head, m.comment ? `  ${m.comment.replace(/\s+/g, ' ')}` : '', bitGrid(m), '', table(rows)];
  return parts.filter((p) => p !== '').join('\n') + '\n';
}

export const dbcDumpCommand: CliCommand = {
  name: 'dbc dump',
  summary: 'show the layout of a DBC or of one message',
  help: `Usage: headunit dbc dump FILE [MESSAGE]

Without MESSAGE, lists every message: id, name, length, cycle time, senders, signal count.
With MESSAGE (a name, or an id such as 0x1A0 or 416), shows its bit layout as a grid
(bit 7 left, one letter per signal) and a table of its signals with scaling, range,
unit and multiplexing.

Options:
  -h, --help   show this help`,
  async run(args, io) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    if (positionals.length === 0) throw new UsageError('no DBC file given');
    if (positionals.length > 2) throw new UsageError('at most FILE and one MESSAGE');
    const db = loadDbcFile(positionals[0]!);
    const want = positionals[1];
    if (want === undefined) {
      const rows = [['id', 'name', 'bytes', 'cycle', 'senders', 'signals']];
      for (const m of db.messages) {
        rows.push([hexId(m), m.name, String(m.length), m.cycleTimeMs !== null ? `${m.cycleTimeMs} ms` : '-', m.senders.join(',') || '-', String(m.signals.length)]);
      }
      io.stdout.write(`${db.file}: ${db.messages.length} messages\n${table(rows)}\n`);
      return 0;
    }
    const asNumber = /^(0x[0-9a-f]+|\d+)$/i.test(want) ? Number(want) : NaN;
    const m = db.messages.find((x) => x.name === want || x.id === asNumber);
    if (!m) {
      io.stderr.write(`headunit dbc dump: ${db.file} has no message named or numbered '${want}'\n`);
      return 1;
    }
    io.stdout.write(dumpMessage(m));
    return 0;
  },
};
