import { readFileSync } from 'node:fs';
import { DbcError } from '../../errors.ts';
import type { Database } from '../../model/database.ts';
import { finalize } from './finalize.ts';
import { parseStatements } from './parse.ts';

/** UTF-8 byte order mark. */
const BOM = '\uFEFF';

/**
 * Decodes DBC bytes: UTF-8 when valid (BOM stripped), else Windows-1252, which Vector tools
 * write. The caller learns which through the returned flag so it can warn.
 */
export function decodeDbcBytes(bytes: Uint8Array): { text: string; cp1252: boolean } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { text: text.startsWith(BOM) ? text.slice(1) : text, cp1252: false };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), cp1252: true };
  }
}

/**
 * Parses DBC text (or raw bytes) into a `Database`. `file` names the source in errors and
 * warnings. Warnings are returned in `db.warnings`, never printed.
 *
 * @throws DbcSyntaxError / DbcSemanticError with file:line:col for input that cannot be read
 *   without guessing.
 */
export function parseDbc(input: string | Uint8Array, file = '<dbc>'): Database {
  let text: string;
  let cp1252 = false;
  if (typeof input === 'string') text = input.startsWith(BOM) ? input.slice(1) : input;
  else ({ text, cp1252 } = decodeDbcBytes(input));
  const parsed = parseStatements(text, file);
  if (cp1252) {
    parsed.warnings.unshift({
      code: 'ENCODING_CP1252',
      message: 'not valid UTF-8; read as Windows-1252',
      location: { file, line: 1, column: 1 },
    });
  }
  return finalize(parsed);
}

/**
 * Reads and parses a DBC file.
 *
 * @throws DbcError with code `DBC_IO` when the file cannot be read, or the parse errors above.
 */
export function loadDbcFile(path: string): Database {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new DbcError(`${path}: cannot read DBC file: ${(err as Error).message}`, 'DBC_IO', { cause: err });
  }
  return parseDbc(bytes, path);
}
