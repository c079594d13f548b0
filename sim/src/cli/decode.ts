import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import {
  CHECKSUM_SCHEMES,
  checksumSchemeForFile,
  CompiledDbc,
  decodeToObject,
  IntegrityChecker,
  INTEGRITY_BAD_CHECKSUM,
  INTEGRITY_BAD_COUNTER,
  INTEGRITY_TRUNCATED,
  loadDbcFile,
  setOwn,
  UsageError,
  type CanFrame,
  type ChecksumScheme,
  type CliCommand,
} from '../../../dbc/index.ts';
import { parseCandumpLine } from '../readers/candump-line.ts';

/** JSON has no NaN or infinities; write them as strings rather than the `null` JSON.stringify gives. */
function jsonValue(v: number | string): number | string {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/** A JSON Lines input frame: `{"id":835,"ext":false,"data":"38b4e652e44da7f2"}`. */
function parseJsonFrame(line: string): CanFrame | string {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (err) {
    return `invalid JSON (${(err as Error).message})`;
  }
  const r = o as { id?: unknown; ext?: unknown; data?: unknown };
  if (typeof r.id !== 'number' || !Number.isInteger(r.id) || r.id < 0 || r.id > 0x1fffffff) return '"id" must be an integer CAN id';
  if (typeof r.data !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(r.data)) return '"data" must be a string of hex byte pairs';
  if (r.data.length > 128) return '"data" has more than 64 bytes';
  const extended = r.ext === undefined ? r.id > 0x7ff : r.ext === true;
  const data = Uint8Array.from(Buffer.from(r.data, 'hex'));
  return { timestampUs: 0, bus: '', id: r.id, extended, fd: data.length > 8, brs: false, esi: false, rtr: false, error: false, data };
}

export const decodeCommand: CliCommand = {
  name: 'decode',
  summary: 'decode candump logs or JSON Lines frames to JSON Lines signals',
  help: `Usage: headunit decode --dbc FILE [--choices] [--integrity auto|none|SCHEME] [INPUT]

INPUT is a candump -l log ("(1436509052.249713) can0 044#2A366C2BBA") or JSON Lines
frames ({"id":835,"ext":false,"data":"38b4e652e44da7f2"}), detected per line; '-' or
none reads stdin. Writes one JSON line per input frame, in order:
  {"id":835,"name":"ABS_1","signals":{"whlspeed_FL":720.875,...}}
or, for a frame that cannot be decoded (unknown id, malformed line):
  {"id":835,"error":"..."}      ("id" is null when the line has none)
A frame shorter than its message adds "missing":[names]. Non-finite values are written
as the strings "NaN", "Infinity", "-Infinity".

Options:
  --dbc FILE     DBC file (required)
  --choices      write VAL_ choice names instead of numbers where defined
  --integrity S  checksum/counter scheme: auto (from the DBC's file name, as opendbc names
                 them; the default), none, or one of ${CHECKSUM_SCHEMES.join(', ')}.
                 A frame that fails is written as an error line, not as values.
  -h, --help     show this help

Exit status: 0 when every line was read (even if some frames had errors), 1 on I/O or DBC errors.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { dbc: { type: 'string' }, choices: { type: 'boolean' }, integrity: { type: 'string', default: 'auto' } },
    });
    if (!values.dbc) throw new UsageError('--dbc FILE is required');
    const scheme = values.integrity === 'auto' ? checksumSchemeForFile(values.dbc) : (values.integrity as ChecksumScheme);
    if (!CHECKSUM_SCHEMES.includes(scheme)) throw new UsageError(`--integrity must be auto, none or one of ${CHECKSUM_SCHEMES.join(', ')}`);
    if (positionals.length > 1) throw new UsageError('at most one INPUT');
    const input = positionals[0] ?? '-';
    const c = new CompiledDbc(loadDbcFile(values.dbc));
    const integrity = new IntegrityChecker(c.messages, scheme);
    const source = input === '-' ? io.stdin : createReadStream(input);
    const name = input === '-' ? '<stdin>' : input;
    const lines = createInterface({ input: source, crlfDelay: Infinity });
    let lineNo = 0;
    let out = '';
    const flush = async (): Promise<void> => {
      if (out.length === 0) return;
      const chunk = out;
      out = '';
      if (!io.stdout.write(chunk)) await new Promise<void>((resolve) => io.stdout.once('drain', () => resolve()));
    };
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      const frame = line.trimStart().startsWith('{') ? parseJsonFrame(line) : parseCandumpLine(line);
      if (typeof frame === 'string') {
        out += JSON.stringify({ id: null, error: `${name}:${lineNo}: ${frame}` }) + '\n';
      } else {
        out += decodeLine(c, integrity, frame, values.choices === true, `${name}:${lineNo}`) + '\n';
      }
      if (out.length > 65536) await flush();
    }
    await flush();
    return 0;
  },
};

function integrityProblem(flags: number, scheme: string): string | null {
  if (flags & INTEGRITY_BAD_CHECKSUM) return `checksum mismatch (${scheme})`;
  if (flags & INTEGRITY_BAD_COUNTER) return `counter did not advance by one (${scheme})`;
  if (flags & INTEGRITY_TRUNCATED) return `frame too short for its checksum (${scheme})`;
  return null;
}

function decodeLine(c: CompiledDbc, integrity: IntegrityChecker, f: CanFrame, choices: boolean, where: string): string {
  if (f.error || f.rtr) return JSON.stringify({ id: f.id, error: `${where}: ${f.error ? 'error frame' : 'remote frame'} carries no signals` });
  const mi = c.messageIndex(f.id, f.extended);
  if (mi < 0) {
    const idText = `0x${f.id.toString(16)}${f.extended ? ' (29-bit)' : ''}`;
    return JSON.stringify({ id: f.id, error: `${where}: id ${idText} is not in the DBC` });
  }
  if (integrity.covers(mi)) {
    const problem = integrityProblem(integrity.check(mi, f.data, 0, f.data.length), integrity.scheme);
    if (problem) return JSON.stringify({ id: f.id, error: `${where}: ${c.messages[mi]!.name}: ${problem}` });
  }
  const d = decodeToObject(c, mi, f.data, { choices });
  const signals: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(d.signals)) setOwn(signals, k, jsonValue(v));
  return JSON.stringify(d.missing ? { id: f.id, name: d.name, signals, missing: d.missing } : { id: f.id, name: d.name, signals });
}
