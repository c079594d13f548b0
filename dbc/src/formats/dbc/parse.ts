import type { ParsedDbc, ParsedMessage } from './parsed.ts';
import { Scanner } from './scanner.ts';
import { SKIPPED_KEYWORDS, STATEMENT_KEYWORDS } from './keywords.ts';
import {
  parseAttributeDefault,
  parseAttributeDefinition,
  parseAttributeValue,
  parseComment,
  parseEnvVar,
  parseExtendedMux,
  parseSignalGroup,
  parseSignalValueType,
  parseTransmitters,
  parseValueDescription,
  parseValueTable,
} from './parse-statements.ts';
import { parseMessage, parseSignal } from './parse-message.ts';

function emptyParsed(file: string): ParsedDbc {
  return {
    file,
    version: '',
    nodes: [],
    nodeLocations: [],
    messages: [],
    valueTables: new Map(),
    attributeDefinitions: new Map(),
    environmentVariables: [],
    comments: [],
    attributes: [],
    attributeDefaults: [],
    valueDescriptions: [],
    signalValueTypes: [],
    extendedMux: [],
    transmitters: [],
    signalGroups: [],
    skipped: new Map(),
    warnings: [],
  };
}

/**
 * Reads DBC text statement by statement.
 *
 * @throws DbcSyntaxError at the first statement that breaks the grammar, with file:line:col.
 */
export function parseStatements(text: string, file: string): ParsedDbc {
  const s = new Scanner(text, file);
  const out = emptyParsed(file);
  let current: ParsedMessage | null = null;
  for (;;) {
    s.skipSpace();
    if (s.eof) break;
    const start = s.pos;
    const keyword = s.tryIdent();
    if (keyword === null) throw s.error('a DBC keyword such as BO_, SG_, CM_ or BA_');
    // A signal belongs to the BO_ right above it; anything else in between ends that message.
    if (keyword !== 'SG_' && keyword !== 'BO_') current = null;
    switch (keyword) {
      case 'VERSION':
        out.version = s.string('version string');
        break;
      case 'NS_':
        parseNewSymbols(s);
        break;
      case 'BS_':
        parseBitTiming(s);
        break;
      case 'BU_':
        parseNodes(s, out);
        break;
      case 'BO_':
        current = parseMessage(s, out, start);
        out.messages.push(current);
        break;
      case 'SG_':
        if (current === null) throw s.error('SG_ only after a BO_ message (this signal has no message)', start);
        current.signals.push(parseSignal(s, out, start));
        break;
      case 'EV_':
        out.environmentVariables.push(parseEnvVar(s));
        break;
      case 'VAL_TABLE_':
        parseValueTable(s, out);
        break;
      case 'VAL_':
        parseValueDescription(s, out, start);
        break;
      case 'CM_':
        parseComment(s, out, start);
        break;
      case 'BA_DEF_':
        parseAttributeDefinition(s, out);
        break;
      case 'BA_DEF_DEF_':
        parseAttributeDefault(s, out, start);
        break;
      case 'BA_':
        parseAttributeValue(s, out, start);
        break;
      case 'SIG_VALTYPE_':
        parseSignalValueType(s, out, start);
        break;
      case 'SIG_GROUP_':
        parseSignalGroup(s, out, start);
        break;
      case 'SG_MUL_VAL_':
        parseExtendedMux(s, out, start);
        break;
      case 'BO_TX_BU_':
        parseTransmitters(s, out, start);
        break;
      default:
        skipStatement(s, out, keyword, start);
    }
  }
  return out;
}

/** `NS_ :` followed by indented symbol names; ends at the first statement at column 1. */
function parseNewSymbols(s: Scanner): void {
  s.accept(':');
  for (;;) {
    s.skipSpace();
    if (s.eof) return;
    const loc = s.location();
    const next = s.peekIdent();
    if (next === null || (loc.column === 1 && STATEMENT_KEYWORDS.has(next))) return;
    s.tryIdent();
  }
}

/** `BS_: [baudrate : BTR1 , BTR2]` (obsolete; values are ignored). */
function parseBitTiming(s: Scanner): void {
  s.expect(':', "':' after BS_");
  if (s.atLineEnd()) return;
  s.number('baud rate');
  if (s.accept(':')) {
    s.number('BTR1');
    s.accept(',');
    s.number('BTR2');
  }
}

/** `BU_: node node ...` — names until the next statement keyword. */
function parseNodes(s: Scanner, out: ParsedDbc): void {
  s.expect(':', "':' after BU_");
  for (;;) {
    s.skipSpace();
    const next = s.peekIdent();
    if (next === null || STATEMENT_KEYWORDS.has(next)) return;
    out.nodeLocations.push(s.location());
    out.nodes.push(s.ident('node name'));
    s.accept(',');
  }
}

/** Unknown or knowingly skipped statements: counted, then skipped to their `;` or line end. */
function skipStatement(s: Scanner, out: ParsedDbc, keyword: string, start: number): void {
  const location = s.location(start);
  const known = SKIPPED_KEYWORDS.has(keyword);
  const entry = out.skipped.get(keyword);
  if (entry) entry.count++;
  else out.skipped.set(keyword, { count: 1, location });
  if (!known) {
    out.warnings.push({
      code: 'UNKNOWN_STATEMENT',
      message: `unknown statement '${keyword}' skipped`,
      location,
    });
  }
  // Skip to the `;` unless a new statement begins first at the start of a line.
  const semi = findStatementEnd(s);
  s.pos = semi;
}

function findStatementEnd(s: Scanner): number {
  const save = s.pos;
  s.skipPastSemicolon();
  const semiEnd = s.pos;
  s.pos = save;
  const t = s.text;
  for (let nl = t.indexOf('\n', save); nl >= 0 && nl < semiEnd; nl = t.indexOf('\n', nl + 1)) {
    s.pos = nl + 1;
    s.skipInlineSpace();
    if (s.pos - nl > 2 || t.charCodeAt(s.pos) === 0x0a) continue; // indented: still this statement
    const word = s.peekIdent();
    if (word !== null && STATEMENT_KEYWORDS.has(word)) {
      const at = s.pos;
      s.pos = save;
      return at;
    }
  }
  s.pos = save;
  return semiEnd;
}
