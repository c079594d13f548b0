import { UsageError, type CliCommand, type CliIo } from '../../../dbc/index.ts';

/**
 * Every `headunit` subcommand: name -> lazy loader, so starting one command never loads the
 * code of the others (cf. python-can's BACKENDS table).
 */
const COMMANDS: Record<string, () => Promise<CliCommand>> = {
  start: async () => (await import('./start.ts')).startCommand,
  'cloud keygen': async () => (await import('../cloud/cloud-cli.ts')).cloudKeygenCommand,
  'cloud command': async () => (await import('../cloud/cloud-cli.ts')).cloudCommandCommand,
  'dbc check': async () => (await import('../../../dbc/index.ts')).dbcCommands.check,
  'dbc dump': async () => (await import('../../../dbc/index.ts')).dbcCommands.dump,
  decode: async () => (await import('../../../sim/index.ts')).decodeCommand,
  demo: async () => (await import('../../../sim/index.ts')).demoCommand,
  candump: async () => (await import('../../../sim/index.ts')).candumpCommand,
  cansend: async () => (await import('../../../sim/index.ts')).cansendCommand,
  'bench decode': async () => (await import('../../../dbc/index.ts')).dbcCommands.benchDecode,
  replay: async () => (await import('../../../sim/index.ts')).replayCommand,
  record: async () => (await import('../../../sim/index.ts')).recordCommand,
  'trace info': async () => (await import('../../../sim/index.ts')).traceInfoCommand,
  'trace convert': async () => (await import('../../../sim/index.ts')).traceConvertCommand,
  'app new': async () => (await import('../app-host/index.ts')).appNewCommand,
  'app build': async () => (await import('../app-host/index.ts')).appBuildCommand,
  'app keygen': async () => (await import('../app-host/index.ts')).appKeygenCommand,
  'app sign': async () => (await import('../app-host/index.ts')).appSignCommand,
  'app pack': async () => (await import('../app-host/index.ts')).appPackCommand,
  'app install': async () => (await import('../app-host/index.ts')).appInstallCommand,
  'app list': async () => (await import('../app-host/index.ts')).appListCommand,
  'app remove': async () => (await import('../app-host/index.ts')).appRemoveCommand,
  'app logs': async () => (await import('../app-host/index.ts')).appLogsCommand,
  'app trust': async () => (await import('../app-host/index.ts')).appTrustCommand,
  'app dev': async () => (await import('../app-host/index.ts')).appDevCommand,
  ledger: async () => (await import('../app-host/index.ts')).ledgerCommand,
};

const SUMMARIES: Record<string, string> = {
  start: 'run the head-unit runtime (default: the demo car on a looped synthetic drive)',
  'cloud keygen': 'make an ed25519 key for signing remote commands and trust it on this head unit',
  'cloud command': 'sign a remote command with an owner key, send it over MQTT, print the reply',
  'dbc check': 'load DBC files, print counts and warnings',
  'dbc dump': 'show the layout of a DBC or of one message',
  decode: 'decode candump logs or JSON Lines frames to JSON Lines signals',
  'bench decode': 'measure decode frames/s on a reproducible frame stream',
  demo: 'decode the bundled sample drive and print a per-signal summary',
  candump: 'print the frames of a bus like can-utils candump (-l: log format)',
  cansend: 'send one frame on a bus (bench tool)',
  replay: 'play a trace onto links in real time, faster, or as fast as possible',
  record: 'record a link to a trace file (candump, ASC, TRC, BLF or CSV)',
  'trace info': 'summarise a trace: format, frames, duration, ids with rates, bus load',
  'trace convert': 'convert a trace between candump, ASC, TRC, BLF and CSV',
  'app new': 'create an app folder NAME with app.json and a starter script',
  'app build': 'bundle an app folder into one script (DIR/dist/app.js)',
  'app keygen': 'make an ed25519 signing key (FILE) and its public key (FILE.pub)',
  'app sign': 'same as app pack (signing happens when packing)',
  'app pack': 'build, then sign an app folder into a .hua archive; prints its path',
  'app install': 'verify and install a signed .hua (--dev: accept a self-signed sideload)',
  'app list': 'list installed apps with their permissions',
  'app remove': 'remove an installed app, its grants and its storage',
  'app logs': "print an app's log lines (console output, errors, faults)",
  'app trust': "trust a publisher's public key (its apps may get privileged permissions)",
  'app dev': 'run one app live against the simulated demo car, reloading on change',
  ledger: "print the apps' audit ledger (grants, reads, actions, bytes sent, faults)",
};

function topHelp(): string {
  const width = Math.max(...Object.keys(SUMMARIES).map((k) => k.length));
  const lines = Object.entries(SUMMARIES).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  return `Usage: headunit <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'headunit <command> --help' for a command's options.\n`;
}

/** Finds the longest command name that prefixes the arguments. */
function resolve(args: string[]): { name: string; rest: string[] } | null {
  for (let words = 2; words >= 1; words--) {
    const name = args.slice(0, words).join(' ');
    if (name in COMMANDS) return { name, rest: args.slice(words) };
  }
  return null;
}

/** Runs `headunit ARGS...`; resolves to the exit code. Errors go to stderr, never a stack trace for expected ones. */
export async function main(args: string[], io: CliIo = process): Promise<number> {
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    (args.length === 0 ? io.stderr : io.stdout).write(topHelp());
    return args.length === 0 ? 2 : 0;
  }
  const found = resolve(args);
  if (!found) {
    io.stderr.write(`headunit: unknown command '${args.join(' ')}'\n\n${topHelp()}`);
    return 2;
  }
  const command = await COMMANDS[found.name]!();
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    io.stdout.write(command.help + '\n');
    return 0;
  }
  try {
    return await command.run(found.rest, io);
  } catch (err) {
    const e = err as Error & { code?: string };
    // By name too: tsx's CommonJS hook (tests) gives lazily imported commands their own copy of the class.
    if (err instanceof UsageError || e.name === 'UsageError' || e.code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`headunit ${found.name}: ${e.message}\nRun 'headunit ${found.name} --help' for usage.\n`);
      return 2;
    }
    if (e.code !== undefined && typeof e.message === 'string' && !(err instanceof TypeError)) {
      io.stderr.write(`headunit ${found.name}: ${e.message}\n`);
      return 1;
    }
    throw err;
  }
}
