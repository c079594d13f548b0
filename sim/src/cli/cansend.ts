import { parseArgs } from 'node:util';
import { UsageError, type CliCommand } from '../../../dbc/index.ts';
import { txKey } from '../../../firmware-bridge/index.ts';
import { createLinkArg } from './link-arg.ts';
import { parseCandumpLine } from '../readers/candump-line.ts';

export const cansendCommand: CliCommand = {
  name: 'cansend',
  summary: 'send one frame on a bus (engineers\' bench tool)',
  help: `Usage: headunit cansend LINK FRAME

Sends one frame on LINK (see 'headunit candump --help' for link URLs). FRAME uses
can-utils' cansend syntax:
  123#DEADBEEF          11-bit id, classic data (dots between bytes allowed: 123#DE.AD)
  18FEF100#01           29-bit id (8 hex digits)
  123##1<data>          CAN FD; the digit after ## is the flags nibble (1 = bit-rate switch)
  123#R                 remote request

This is a bench tool: the link is opened with exactly FRAME's id on its transmit allow-list
(on a bridge: the allow-list the MCU is told, so its firmware must permit that id). In the
car, only the runtime's action policy sends, on links whose allow-list it sets.`,
  async run(args, io) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    if (positionals.length !== 2) throw new UsageError('give LINK and FRAME');
    const parsed = parseCandumpLine(`(0.0) x ${positionals[1]}`);
    if (typeof parsed === 'string') throw new UsageError(`FRAME ${positionals[1]}: ${parsed}`);
    const link = await createLinkArg(positionals[0]!, { txAllow: new Set([txKey(parsed.id, parsed.extended)]) });
    await link.open();
    try {
      await link.send({ id: parsed.id, extended: parsed.extended, data: parsed.data, fd: parsed.fd, brs: parsed.brs, rtr: parsed.rtr });
    } finally {
      await link.close();
    }
    io.stderr.write(`sent ${positionals[1]} on ${link.url}\n`);
    return 0;
  },
};
