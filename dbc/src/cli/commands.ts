import { benchDecodeCommand } from './bench-decode.ts';
import { dbcCheckCommand } from './dbc-check.ts';
import { dbcDumpCommand } from './dbc-dump.ts';

/** The DBC package's `headunit` subcommands. */
export const dbcCommands = {
  check: dbcCheckCommand,
  dump: dbcDumpCommand,
  benchDecode: benchDecodeCommand,
};
