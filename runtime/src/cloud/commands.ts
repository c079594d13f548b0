import type { Statement } from 'better-sqlite3';
import type { Logger } from '../log.ts';
import type { CloudDatabase } from './cloud-db.ts';
import { verifyCommand, type SignedCommand, type SignerRole, type TrustedKey } from './command-signing.ts';
import { CommandRefusedError } from './errors.ts';

/** What a command handler reports back. `status` is `done` or `refused` (with the policy's reason) or `failed`. */
export interface CommandResult {
  status: 'done' | 'refused' | 'failed';
  reason: string;
  detail: string;
  result?: unknown;
}

/** Verified context a handler runs with. */
export interface CommandContext {
  name: string;
  args: Record<string, unknown>;
  role: SignerRole;
  kid: string;
  nonce: string;
}

export interface CommandHandler {
  /** Signers allowed to run it (default: owner and fleet). */
  roles?: SignerRole[];
  run(ctx: CommandContext): Promise<CommandResult>;
}

/** The reply body: what happened to a command, sent to its reply topic. */
export interface CommandReply extends CommandResult {
  command: string;
  nonce: string | null;
  corr?: string;
  timeMs: number;
}

/** A command may not be valid for longer than this ahead (bounds the nonce table). */
export const MAX_COMMAND_TTL_MS = 24 * 3600_000;

/**
 * Checks and runs remote commands. A command must parse, carry a signature by a trusted key
 * over this vehicle, its name, expiry, nonce and arguments, not be expired (nor valid for more
 * than a day), use a nonce never seen before (kept in SQLite until the command's expiry, so a
 * restart does not reopen replays), name a registered command, and come from a role the
 * command allows. Only then the handler runs — and handlers act through the ActionPolicy.
 */
export class CommandProcessor {
  readonly counters = { received: 0, done: 0, refused: 0, failed: 0 };
  readonly refusedByReason: Record<string, number> = {};
  private readonly handlers = new Map<string, CommandHandler>();
  private readonly keys = new Map<string, TrustedKey>();
  private readonly remember: Statement;
  private readonly forget: Statement;
  private lastReloadMs = -Infinity;

  constructor(
    private readonly o: {
      vehicleId: string;
      keys: readonly TrustedKey[];
      db: CloudDatabase;
      log: Logger;
      clock?: () => number;
      /** Reads the trusted keys again when a command names an unknown key (at most every 2 s). */
      reloadKeys?: () => readonly TrustedKey[];
    },
  ) {
    for (const k of o.keys) this.keys.set(k.kid, k);
    this.remember = o.db.prepare('INSERT OR IGNORE INTO nonces (nonce, expires_ms) VALUES (?, ?)');
    this.forget = o.db.prepare('DELETE FROM nonces WHERE expires_ms < ?');
  }

  /** Adds (or replaces) a command by name; the app host registers app commands here. */
  register(name: string, handler: CommandHandler): void {
    this.handlers.set(name, handler);
  }

  get names(): string[] {
    return [...this.handlers.keys()];
  }

  /** Trusts one more key (e.g. after `headunit cloud keygen`). */
  trust(key: TrustedKey): void {
    this.keys.set(key.kid, key);
  }

  /** Verifies and runs one command payload. Never throws: the reply says what happened. */
  async handle(name: string, payload: Buffer): Promise<CommandReply> {
    this.counters.received++;
    const now = (this.o.clock ?? Date.now)();
    let ctx: CommandContext;
    let corr: string | undefined;
    try {
      const cmd = parse(name, payload);
      corr = cmd.corr;
      ctx = this.verify(name, cmd, now);
    } catch (err) {
      if (!(err instanceof CommandRefusedError)) throw err;
      this.counters.refused++;
      this.refusedByReason[err.reason] = (this.refusedByReason[err.reason] ?? 0) + 1;
      this.o.log.log('warn', 'remote command refused', { command: name, reason: err.reason, detail: err.detail, nonce: err.nonce });
      return { command: name, nonce: err.nonce, status: 'refused', reason: err.reason, detail: err.detail, timeMs: now, ...(corr ? { corr } : {}) };
    }
    let r: CommandResult;
    try {
      r = await this.handlers.get(name)!.run(ctx);
    } catch (err) {
      r = { status: 'failed', reason: 'HANDLER_ERROR', detail: (err as Error).message };
    }
    this.counters[r.status]++;
    if (r.status === 'refused') this.refusedByReason[r.reason] = (this.refusedByReason[r.reason] ?? 0) + 1;
    this.o.log.log(r.status === 'done' ? 'info' : 'warn', 'remote command', { command: name, kid: ctx.kid, role: ctx.role, status: r.status, reason: r.reason, detail: r.detail });
    return { command: name, nonce: ctx.nonce, ...r, timeMs: now, ...(corr ? { corr } : {}) };
  }

  private verify(name: string, cmd: SignedCommand, now: number): CommandContext {
    const refuse = (reason: string, detail: string): never => {
      throw new CommandRefusedError(reason, name, detail, typeof cmd.nonce === 'string' ? cmd.nonce : null);
    };
    if (typeof cmd.sig !== 'string' || cmd.sig === '' || typeof cmd.kid !== 'string') return refuse('UNSIGNED', 'the command carries no signature (sig, kid)');
    const key = this.keys.get(cmd.kid) ?? this.reload(cmd.kid, now);
    if (!key) return refuse('UNKNOWN_KEY', `key ${JSON.stringify(cmd.kid)} is not trusted by this car`);
    if (!verifyCommand(key.publicKey, this.o.vehicleId, name, cmd)) return refuse('BAD_SIGNATURE', `the signature does not match key ${cmd.kid} for vehicle ${this.o.vehicleId} and command ${name}`);
    if (cmd.exp <= now) return refuse('EXPIRED', `expired ${now - cmd.exp} ms ago`);
    if (cmd.exp - now > MAX_COMMAND_TTL_MS) return refuse('EXPIRY_TOO_FAR', `valid for ${Math.round((cmd.exp - now) / 1000)} s; at most ${MAX_COMMAND_TTL_MS / 1000} s`);
    this.forget.run(now);
    if (this.remember.run(cmd.nonce, cmd.exp).changes === 0) return refuse('REPLAY', `nonce ${cmd.nonce} was used before`);
    const handler = this.handlers.get(name);
    if (!handler) return refuse('UNKNOWN_COMMAND', `no command ${name}; this car knows ${this.names.join(', ')}`);
    if (!(handler.roles ?? ['owner', 'fleet']).includes(key.role)) return refuse('NOT_PERMITTED', `a ${key.role} key may not run ${name}`);
    return { name, args: cmd.args, role: key.role, kid: key.kid, nonce: cmd.nonce };
  }

  private reload(kid: string, now: number): TrustedKey | undefined {
    if (!this.o.reloadKeys || now - this.lastReloadMs < 2000) return undefined;
    this.lastReloadMs = now;
    try {
      for (const k of this.o.reloadKeys()) this.keys.set(k.kid, k);
    } catch (err) {
      this.o.log.log('warn', 'cannot reload trusted keys', { error: (err as Error).message });
    }
    return this.keys.get(kid);
  }
}

function parse(name: string, payload: Buffer): SignedCommand {
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw new CommandRefusedError('MALFORMED', name, `payload is not JSON: ${(err as Error).message}`);
  }
  const c = doc as Partial<SignedCommand>;
  const nonce = typeof c?.nonce === 'string' ? c.nonce : null;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new CommandRefusedError('MALFORMED', name, 'payload is not a JSON object');
  if (c.args !== undefined && (typeof c.args !== 'object' || c.args === null || Array.isArray(c.args))) throw new CommandRefusedError('MALFORMED', name, 'args must be an object', nonce);
  if (typeof c.exp !== 'number' || !Number.isFinite(c.exp)) throw new CommandRefusedError('MALFORMED', name, 'exp (expiry, ms since the epoch) is missing', nonce);
  if (nonce === null || nonce.length < 8 || nonce.length > 128) throw new CommandRefusedError('MALFORMED', name, 'nonce must be a string of 8-128 characters', nonce);
  return { ...(c as SignedCommand), args: c.args ?? {} };
}
