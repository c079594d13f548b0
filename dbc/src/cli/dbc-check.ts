import { parseArgs } from 'node:util';
import { DbcError } from '../errors.ts';
import { loadDbcFile } from '../formats/dbc/load.ts';
import { UsageError, type CliCommand } from './command.ts';

export const dbcCheckCommand: CliCommand = {
  name: 'dbc check',
  summary: 'load DBC files, print message/signal counts and warnings',
  help: `Usage: headunit dbc check [--quiet] FILE...

Loads each DBC file and prints its message and signal counts, then every warning
(file:line:col: warning CODE: text). Errors go to stderr with file:line:col.

Options:
  -q, --quiet   print only errors and the per-file summary, not warnings
  -h, --help    show this help

Exit status: 0 when every file loads, 1 when any has an error, 2 on bad usage.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { quiet: { type: 'boolean', short: 'q' } } });
    if (positionals.length === 0) throw new UsageError('no DBC file given');
    let failed = 0;
    for (const file of positionals) {
      try {
        const db = loadDbcFile(file);
        const signals = db.messages.reduce((n, m) => n + m.signals.length, 0);
        io.stdout.write(`${file}: ${db.messages.length} messages, ${signals} signals, ${db.warnings.length} warnings\n`);
        if (!values.quiet) {
          for (const w of db.warnings) {
            io.stdout.write(`  ${w.location.file}:${w.location.line}:${w.location.column}: warning ${w.code}: ${w.message}\n`);
          }
        }
      } catch (err) {
        if (!(err instanceof DbcError)) throw err;
        failed++;
        io.stderr.write(`${err.message}\n`);
      }
    }
    return failed > 0 ? 1 : 0;
  },
};
