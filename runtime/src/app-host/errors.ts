import { RuntimeError } from '../errors.ts';

/**
 * Errors of the app platform (issue #6). All extend the runtime's `RuntimeError` (`code`).
 *
 * ```
 * AppError                     base: `appId` when known
 * ├── ManifestError            app.json is invalid (file:line:col, JSON path)
 * ├── PackageError             a .hua archive is corrupt, tampered or untrusted (file, byte offset)
 * ├── PermissionError          a grant/revoke the tiers forbid (privileged for an untrusted app, ...)
 * └── BuildError               `app build` failed (file:line:col from esbuild)
 * ```
 */
export class AppError extends RuntimeError {
  override name = 'AppError';
  constructor(
    message: string,
    code: string,
    readonly appId: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, code, options);
  }
}

/** app.json does not validate; `file` is `path:line:col` when the spot is known. */
export class ManifestError extends AppError {
  override name = 'ManifestError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    /** JSON path of the offending value, e.g. `$.permissions.signals[2].path`. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${file}${line > 0 ? `:${line}:${column}` : ''}: ${path}: ${reason}`, 'MANIFEST');
  }
}

/** Codes: BAD_MAGIC, TRUNCATED, BAD_INDEX, HASH_MISMATCH, BAD_SIGNATURE, UNTRUSTED_PUBLISHER, KEY_MISMATCH, BAD_KEY. */
export class PackageError extends AppError {
  override name = 'PackageError';
  constructor(
    readonly file: string,
    readonly reason: string,
    message: string,
    /** Byte offset in the archive where the problem is, or -1. */
    readonly offset = -1,
    appId: string | null = null,
  ) {
    super(`${file}${offset >= 0 ? ` @${offset}` : ''}: ${message}`, reason, appId);
  }
}

export class PermissionError extends AppError {
  override name = 'PermissionError';
  constructor(appId: string, readonly permission: string, reason: string) {
    super(`${appId}: ${permission}: ${reason}`, 'PERMISSION', appId);
  }
}

export class BuildError extends AppError {
  override name = 'BuildError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file}${line > 0 ? `:${line}:${column}` : ''}: ${reason}`, 'BUILD');
  }
}
