import type { SourceLocation } from '../../errors.ts';
import type { AttributeDefinition, EnvironmentVariable } from '../../model/database.ts';
import type { AttributeValue } from '../../model/signal.ts';
import type { ObjectRef, ParsedDbc } from './parsed.ts';
import type { Scanner } from './scanner.ts';
import { STATEMENT_KEYWORDS } from './keywords.ts';

/** Attribute value types of BA_DEF_. */
const ATTRIBUTE_TYPES = new Set(['INT', 'HEX', 'FLOAT', 'STRING', 'ENUM']);
/** Object kinds a BA_DEF_ may be declared for. */
const ATTRIBUTE_OBJECTS = new Set(['BU_', 'BO_', 'SG_', 'EV_']);

/**
 * Ends a statement at its `;`. Real files (mazda_2017, chrysler, gm) sometimes leave the `;`
 * out at the end of a line; when the next line starts a new statement we accept that, warned.
 */
function endStatement(s: Scanner, what: string, out?: ParsedDbc): void {
  if (out && nextLineStartsStatement(s)) {
    out.warnings.push({ code: 'MISSING_SEMICOLON', message: `${what} not ended by ';'`, location: s.location() });
    return;
  }
  s.expect(';', `';' to end the ${what}`);
}

/** True when only whitespace separates the cursor from a newline followed by a keyword, or the end. */
function nextLineStartsStatement(s: Scanner): boolean {
  const save = s.pos;
  const lineEnd = s.atLineEnd();
  s.skipSpace();
  const word = s.peekIdent();
  const ok = lineEnd && (s.eof || (word !== null && STATEMENT_KEYWORDS.has(word)));
  s.pos = save;
  return ok;
}

/** `BU_ name` | `BO_ id` | `SG_ id name` | `EV_ name` | nothing (network). */
function parseObjectRef(s: Scanner, out: ParsedDbc, location: SourceLocation, what: string): ObjectRef | null {
  const kind = s.peekIdent();
  switch (kind) {
    case 'BU_':
      s.tryIdent();
      return { kind: 'node', name: s.ident('node name') };
    case 'BO_':
      s.tryIdent();
      return { kind: 'message', rawId: s.uint('message id') };
    case 'SG_': {
      s.tryIdent();
      const rawId = s.uint('message id');
      if (s.peek() === '"') {
        // Seen in real files: `CM_ SG_ 304 "..."` without the signal name.
        out.warnings.push({
          code: 'SIGNAL_NAME_MISSING',
          message: `${what} names message ${rawId} as SG_ but no signal; ignored`,
          location,
        });
        return null;
      }
      return { kind: 'signal', rawId, signal: s.ident('signal name') };
    }
    case 'EV_':
      s.tryIdent();
      return { kind: 'envvar', name: s.ident('environment variable name') };
    default:
      return { kind: 'network' };
  }
}

/** `CM_ [object] "text";` — the text may span lines. */
export function parseComment(s: Scanner, out: ParsedDbc, start: number): void {
  const location = s.location(start);
  let ref = parseObjectRef(s, out, location, 'CM_');
  if (ref?.kind === 'network' && s.peek() >= '0' && s.peek() <= '9') {
    // hyundai_can_generated.dbc: `CM_ 145 "..."`, a message comment without BO_.
    ref = { kind: 'message', rawId: s.uint('message id') };
    out.warnings.push({ code: 'COMMENT_OBJECT_KIND_MISSING', message: `CM_ ${ref.rawId} read as CM_ BO_ ${ref.rawId}`, location });
  }
  const text = s.string('comment text in double quotes');
  endStatement(s, 'comment (CM_)', out);
  if (ref) out.comments.push({ ref, text, location });
}

/** `(value "description")* ;` as used by VAL_ and VAL_TABLE_. */
function parseChoices(s: Scanner, what: string, out: ParsedDbc): Map<number, string> {
  const choices = new Map<number, string>();
  for (;;) {
    if (nextLineStartsStatement(s)) {
      out.warnings.push({ code: 'MISSING_SEMICOLON', message: `${what} not ended by ';'`, location: s.location() });
      break;
    }
    if (s.accept(';')) break;
    const value = s.number(`a value, or ';' to end the ${what}`);
    choices.set(value, s.string('value description in double quotes'));
  }
  return choices;
}

/** `VAL_TABLE_ name (value "description")* ;` */
export function parseValueTable(s: Scanner, out: ParsedDbc): void {
  const name = s.ident('value table name');
  out.valueTables.set(name, parseChoices(s, 'value table', out));
}

/** `VAL_ id signal (value "description")* ;` or `VAL_ envvar (...)* ;` */
export function parseValueDescription(s: Scanner, out: ParsedDbc, start: number): void {
  const location = s.location(start);
  const c = s.peek();
  if (c >= '0' && c <= '9') {
    const rawId = s.uint('message id');
    const signal = s.ident('signal name');
    out.valueDescriptions.push({ ref: { kind: 'signal', rawId, signal }, choices: parseChoices(s, 'VAL_', out), location });
  } else {
    const name = s.ident('message id or environment variable name');
    out.valueDescriptions.push({ ref: { kind: 'envvar', name }, choices: parseChoices(s, 'VAL_', out), location });
  }
}

/** `BA_DEF_ [BU_|BO_|SG_|EV_] "name" INT|HEX|FLOAT min max | STRING | ENUM "a","b" ;` */
export function parseAttributeDefinition(s: Scanner, out: ParsedDbc): void {
  let objectType = '';
  const obj = s.peekIdent();
  if (obj !== null && ATTRIBUTE_OBJECTS.has(obj)) objectType = s.ident('object type');
  const name = s.string('attribute name in double quotes');
  const typeAt = (s.skipSpace(), s.pos);
  const valueType = s.ident('attribute type (INT, HEX, FLOAT, STRING or ENUM)');
  if (!ATTRIBUTE_TYPES.has(valueType)) throw s.error('attribute type (INT, HEX, FLOAT, STRING or ENUM)', typeAt);
  const def: AttributeDefinition = {
    name,
    objectType,
    valueType: valueType as AttributeDefinition['valueType'],
    minimum: null,
    maximum: null,
    enumValues: [],
    defaultValue: null,
  };
  if (valueType === 'ENUM') {
    while (s.peek() === '"') {
      def.enumValues.push(s.string('enum value'));
      s.accept(',');
    }
  } else if (valueType !== 'STRING' && s.peek() !== ';') {
    def.minimum = s.number('attribute minimum');
    def.maximum = s.number('attribute maximum');
  }
  endStatement(s, 'attribute definition (BA_DEF_)');
  out.attributeDefinitions.set(name, def);
}

function parseAttributeLiteral(s: Scanner): AttributeValue {
  if (s.peek() === '"') return s.string('attribute value');
  return s.number('attribute value (number or string)');
}

/** `BA_DEF_DEF_ "name" value ;` */
export function parseAttributeDefault(s: Scanner, out: ParsedDbc, start: number): void {
  const location = s.location(start);
  const name = s.string('attribute name in double quotes');
  const value = parseAttributeLiteral(s);
  endStatement(s, 'attribute default (BA_DEF_DEF_)');
  out.attributeDefaults.push({ name, value, location });
}

/** `BA_ "name" [object] value ;` */
export function parseAttributeValue(s: Scanner, out: ParsedDbc, start: number): void {
  const location = s.location(start);
  const name = s.string('attribute name in double quotes');
  const ref = parseObjectRef(s, out, location, 'BA_');
  const value = parseAttributeLiteral(s);
  endStatement(s, 'attribute value (BA_)');
  if (ref) out.attributes.push({ name, ref, value, location });
}

/** `SIG_VALTYPE_ id signal : 1|2 ;` (1 = float32, 2 = float64). */
export function parseSignalValueType(s: Scanner, out: ParsedDbc, start: number): void {
  const location = s.location(start);
  const rawId = s.uint('message id');
  const signal = s.ident('signal name');
  s.accept(':');
  const typeAt = (s.skipSpace(), s.pos);
  const type = s.uint('value type (0 = integer, 1 = float32, 2 = float64)');
  if (type > 2) throw s.error('value type (0 = integer, 1 = float32, 2 = float64)', typeAt);
  endStatement(s, 'SIG_VALTYPE_');
  out.signalValueTypes.push({ rawId, signal, type, location });
}

/** `SIG_GROUP_ id name repetitions : signal signal ... ;` */
export function parseSignalGroup(s: Scanner, out: ParsedDbc, start: number): void {
  const location = s.location(start);
  const rawId = s.uint('message id');
  const name = s.ident('signal group name');
  const repetitions = s.uint('repetitions');
  s.expect(':', "':' before the group's signals");
  const signals = s.nameList('signal name');
  out.signalGroups.push({ rawId, name, repetitions, signals, location });
}

/** `SG_MUL_VAL_ id signal multiplexer a-b, c-d ;` (extended multiplexing). */
export function parseExtendedMux(s: Scanner, out: ParsedDbc, start: number): void {
  const location = s.location(start);
  const rawId = s.uint('message id');
  const signal = s.ident('signal name');
  const multiplexer = s.ident('multiplexer switch name');
  const ranges: [number, number][] = [];
  do {
    const lo = s.uint('range start');
    s.expect('-', "'-' inside the range");
    const hiAt = (s.skipSpace(), s.pos);
    const hi = s.uint('range end');
    if (hi < lo) throw s.error(`range end >= ${lo}`, hiAt);
    ranges.push([lo, hi]);
  } while (s.accept(','));
  endStatement(s, 'SG_MUL_VAL_');
  out.extendedMux.push({ rawId, signal, multiplexer, ranges, location });
}

/** `BO_TX_BU_ id : node, node ;` — more transmitters of one message. */
export function parseTransmitters(s: Scanner, out: ParsedDbc, start: number): void {
  const location = s.location(start);
  const rawId = s.uint('message id');
  s.expect(':', "':' after the message id");
  const nodes = s.nameList('node name');
  out.transmitters.push({ rawId, nodes, location });
}

/** `EV_ name : type [min|max] "unit" initial id access nodes ;` */
export function parseEnvVar(s: Scanner): EnvironmentVariable {
  const name = s.ident('environment variable name');
  s.expect(':', "':' after the environment variable name");
  const type = s.uint('environment variable type (0, 1 or 2)');
  const [minimum, maximum] = s.range();
  const unit = s.string('unit string');
  const initialValue = s.number('initial value');
  const id = s.number('environment variable id');
  const accessType = s.ident('access type (DUMMY_NODE_VECTORn)');
  const accessNodes = s.nameList('access node');
  return { name, type, minimum, maximum, unit, initialValue, id, accessType, accessNodes, comment: null };
}
