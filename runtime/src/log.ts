/**
 * Structured JSON logs: one object per line with time, level, component and message, plus any
 * fields. Written to an injected stream (stderr by default) so tests can read them.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

export function createLogger(out: { write(s: string): unknown } = process.stderr, minLevel: LogLevel = 'info', component = 'runtime'): Logger {
  return {
    log(level, msg, fields = {}) {
      if (LEVELS[level] < LEVELS[minLevel]) return;
      out.write(JSON.stringify({ time: new Date().toISOString(), level, component, msg, ...fields }) + '\n');
    },
    child(c) {
      return createLogger(out, minLevel, c);
    },
  };
}

/** A logger that keeps lines in memory (tests, and the HMI's recent-events view). */
export function memoryLogger(): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const l = createLogger({ write: (s) => lines.push(JSON.parse(s) as Record<string, unknown>) }, 'debug');
  return Object.assign(l, { lines });
}
