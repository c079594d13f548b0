/**
 * The shape of one `headunit` subcommand. Each package exports its commands; the dispatcher
 * in runtime/src/cli finds them by name and loads them lazily.
 */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface CliCommand {
  /** Words after `headunit`, e.g. `dbc check`. */
  name: string;
  /** One line for `headunit --help`. */
  summary: string;
  /** Full `--help` text. */
  help: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** A usage error: the dispatcher prints it with the command's help hint and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
