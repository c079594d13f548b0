import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CliCommand } from '../../../dbc/index.ts';
import { createTraceWriter } from '../trace-io.ts';
import { FORMAT_NAMES, formatOption, openTraceArg, trackProgress } from './trace-args.ts';

export const traceConvertCommand: CliCommand = {
  name: 'trace convert',
  summary: 'convert a trace between candump, ASC, TRC, BLF and CSV',
  help: `Usage: headunit trace convert IN OUT [--format F] [--from F] [--skip-bad]

Reads IN (format told from its content) and writes every frame to OUT, streaming, in the
format of OUT's extension (.log candump, .asc, .trc, .blf, .csv) or --format.

Options:
  --format F     write OUT as F (${FORMAT_NAMES})
  --from F       read IN as F instead of detecting
  --skip-bad     skip malformed records of IN (each printed to stderr and counted) instead of
                 stopping at the first with its file:line (file@offset for BLF)
  -h, --help     show this help

On an error the frames converted so far stay in OUT, and the count is printed.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { format: { type: 'string' }, from: { type: 'string' }, 'skip-bad': { type: 'boolean' } },
    });
    if (positionals.length !== 2) throw new UsageError('give IN and OUT');
    const [input, output] = positionals as [string, string];
    if (resolve(input) === resolve(output)) throw new UsageError('IN and OUT are the same file');
    const outFormat = formatOption(values.format);
    const trace = await openTraceArg(input, io, { skipBad: values['skip-bad'], format: formatOption(values.from), command: 'trace convert' });
    const writer = createTraceWriter(output, outFormat);
    const endProgress = trackProgress(io, trace.reader, trace.bytes);
    let written = 0;
    try {
      for await (const batch of trace.reader.batches()) {
        for (const f of batch) {
          await writer.write(f);
          written++;
        }
      }
    } catch (err) {
      endProgress();
      await writer.close();
      io.stderr.write(`headunit trace convert: stopped; the ${written} frames before the error are in ${output}\n`);
      throw err;
    }
    endProgress();
    await writer.close();
    const note = trace.skippedNote();
    io.stderr.write(`${input} (${trace.reader.format}) -> ${output} (${writer.format}): ${written} frames${note ? `; ${note}` : ''}\n`);
    return 0;
  },
};
