import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DbcSemanticError, DbcSyntaxError } from '../../errors.ts';
import { parseDbc } from './load.ts';

const HEADER = 'VERSION "1.0"\n\nNS_ :\n    CM_\n    BA_DEF_\n\nBS_:\n\nBU_: ECU1 ECU2\n\n';

function throwsAt(text: string, ctor: new (...a: never[]) => Error, message: string): void {
  try {
    parseDbc(text, 'bus.dbc');
  } catch (err) {
    assert.instance(err, ctor);
    assert.is((err as Error).message, message);
    return;
  }
  assert.unreachable(`expected ${ctor.name}: ${message}`);
}

test('the whole grammar: messages, signals, comments, attributes, choices, value types, groups', () => {
  const db = parseDbc(
    HEADER +
      'VAL_TABLE_ OnOff 1 "On" 0 "Off" ;\n' +
      'BO_ 2566844926 Engine : 8 ECU1\n' +
      ' SG_ Rpm : 0|16@1+ (.25,0) [0|16383.75] "rpm" ECU2,ECU1\n' +
      ' SG_ Temp : 23|8@0- (1,-40) [-40|215] "degC"  ECU2\n' +
      ' SG_ Ratio : 32|32@1- (1,0) [0|0] "" Vector__XXX\n' +
      'BO_ 100 1stMessage: 64 ECU2\n' +
      ' SG_ Big : 0|64@1+ (1,0) [0|0] "" ECU1\n' +
      'BO_TX_BU_ 100 : ECU1,ECU2;\n' +
      'CM_ "network";\n' +
      'CM_ BO_ 2566844926 "line one\r\nline \\"two\\"";\n' +
      'CM_ SG_ 2566844926 Rpm "engine speed";\n' +
      'CM_ BU_ ECU1 "the engine ECU";\n' +
      'BA_DEF_ BO_ "GenMsgCycleTime" INT 0 10000;\n' +
      'BA_DEF_ BO_ "VFrameFormat" ENUM "StandardCAN","ExtendedCAN","reserved","J1939PG","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","StandardCAN_FD","ExtendedCAN_FD";\n' +
      'BA_DEF_ SG_ "GenSigStartValue" FLOAT 0 100000;\n' +
      'BA_DEF_ "BusType" STRING ;\n' +
      'BA_DEF_DEF_ "GenMsgCycleTime" 0;\n' +
      'BA_DEF_DEF_ "BusType" "CAN";\n' +
      'BA_ "BusType" "CAN FD";\n' +
      'BA_ "GenMsgCycleTime" BO_ 2566844926 100;\n' +
      'BA_ "VFrameFormat" BO_ 100 14;\n' +
      'BA_ "GenSigStartValue" SG_ 2566844926 Temp 40;\n' +
      'VAL_ 2566844926 Temp 255 "Invalid" -1 "Minus one" ;\n' +
      'SIG_VALTYPE_ 2566844926 Ratio : 1;\n' +
      'SIG_GROUP_ 2566844926 Group1 1 : Rpm Temp;\n' +
      'EV_ Env1: 0 [0|100] "" 0 1 DUMMY_NODE_VECTOR0 Vector__XXX;\n',
    'bus.dbc',
  );
  assert.is(db.version, '1.0');
  assert.equal(db.nodes.map((n) => [n.name, n.comment]), [['ECU1', 'the engine ECU'], ['ECU2', null]]);
  assert.is(db.comment, 'network');
  assert.is(db.busType, 'CAN FD');
  assert.equal([...db.valueTables.get('OnOff')!], [[1, 'On'], [0, 'Off']]);
  const [engine, first] = db.messages;
  assert.is(engine!.id, 0x18fef1fe);
  assert.is(engine!.extended, true);
  assert.is(engine!.cycleTimeMs, 100);
  assert.is(engine!.comment, 'line one\r\nline "two"');
  assert.equal(engine!.signalGroups, [{ name: 'Group1', repetitions: 1, signalNames: ['Rpm', 'Temp'] }]);
  const [rpm, temp, ratio] = engine!.signals;
  assert.equal([rpm!.factor, rpm!.maximum, rpm!.unit, rpm!.receivers, rpm!.comment], [0.25, 16383.75, 'rpm', ['ECU2', 'ECU1'], 'engine speed']);
  assert.equal([temp!.byteOrder, temp!.signed, temp!.offset, temp!.initialRaw], ['big_endian', true, -40, 40]);
  assert.equal([...temp!.choices!], [[255, 'Invalid'], [-1, 'Minus one']]);
  assert.is(ratio!.valueType, 'float32');
  assert.equal([first!.name, first!.length, first!.isFd, first!.extended], ['1stMessage', 64, true, false]);
  assert.equal(first!.senders, ['ECU2', 'ECU1']);
  assert.is(first!.cycleTimeMs, null);
  assert.is(db.environmentVariables[0]!.name, 'Env1');
  assert.equal(db.warnings, []);
});

test('multiplexing: M / mN, and extended mNM with SG_MUL_VAL_ ranges', () => {
  const db = parseDbc(
    HEADER +
      'BO_ 200 Mux: 8 ECU1\n' +
      ' SG_ Sel M : 0|4@1+ (1,0) [0|15] "" ECU2\n' +
      ' SG_ A m0 : 8|8@1+ (1,0) [0|0] "" ECU2\n' +
      ' SG_ Sub m1M : 8|4@1+ (1,0) [0|0] "" ECU2\n' +
      ' SG_ B m3 : 16|8@1+ (1,0) [0|0] "" ECU2\n' +
      'SG_MUL_VAL_ 200 Sub Sel 1-1, 5-6;\n' +
      'SG_MUL_VAL_ 200 B Sub 3-4;\n',
    'bus.dbc',
  );
  const [sel, a, sub, b] = db.messages[0]!.signals;
  assert.equal([sel!.isMultiplexer, sel!.multiplexerSignal], [true, null]);
  assert.equal([a!.multiplexerSignal, a!.multiplexerIds], ['Sel', [0]]);
  assert.equal([sub!.isMultiplexer, sub!.multiplexerSignal, sub!.multiplexerIds], [true, 'Sel', [1, 5, 6]]);
  assert.equal([b!.multiplexerSignal, b!.multiplexerIds], ['Sub', [3, 4]]);
});

test('sloppy real-world input loads with warnings: CRLF, cp1252, 29-bit id without flag, no ; at line end', () => {
  const text = HEADER.replace(/\n/g, '\r\n') +
    'BO_ 419365886 Pgn : 8 ECU1\r\n SG_ Temp : 0|8@1+ (1,0) [0|0] "\xb0C" ECU2\r\n\r\n' +
    'CM_ SG_ 419365886 "comment without signal name";\r\n' +
    'VAL_ 419365886 Temp 1 "K\xfchl" 0 "zero"\r\nCM_ "next";\r\n';
  const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
  const db = parseDbc(bytes, 'sloppy.dbc');
  const m = db.messages[0]!;
  assert.equal([m.id, m.extended], [419365886, true]);
  assert.is(m.signals[0]!.unit, '°C');
  assert.is(m.signals[0]!.choices!.get(1), 'Kühl');
  assert.equal(db.warnings.map((w) => `${w.location.line}:${w.code}`), ['1:ENCODING_CP1252', '11:EXTENDED_ID_WITHOUT_FLAG', '14:SIGNAL_NAME_MISSING', '15:MISSING_SEMICOLON']);
});

test('syntax errors name file:line:col and what was expected', () => {
  throwsAt(HEADER + 'BO_ dssd Name: 8 ECU1\n', DbcSyntaxError, 'bus.dbc:11:5: expected message id (decimal): "BO_ >>!<<dssd Name: 8 ECU1"');
  throwsAt(HEADER + 'BO_ 1 Name: 8 ECU1\n SG_ S : 0|8@2+ (1,0) [0|0] "" X\n', DbcSyntaxError, 'bus.dbc:12:14: expected byte order \'0\' (Motorola) or \'1\' (Intel): " SG_ S : 0|8@>>!<<2+ (1,0) [0|0] "" X"');
  throwsAt(HEADER + 'BO_ 1 Name: 8 ECU1\n SG_ S : 0|0@1+ (1,0) [0|0] "" X\n', DbcSyntaxError, 'bus.dbc:12:12: expected signal length of 1 to 64 bits: " SG_ S : 0|>>!<<0@1+ (1,0) [0|0] "" X"');
  throwsAt(HEADER + 'BO_ 1 Name: 65 ECU1\n', DbcSyntaxError, 'bus.dbc:11:13: expected message size of at most 64 bytes: "BO_ 1 Name: >>!<<65 ECU1"');
  throwsAt(HEADER + ' SG_ S : 0|8@1+ (1,0) [0|0] "" X\n', DbcSyntaxError, 'bus.dbc:11:2: expected SG_ only after a BO_ message (this signal has no message): " >>!<<SG_ S : 0|8@1+ (1,0) [0|0] "" X"');
  throwsAt(HEADER + 'CM_ "never closed;\n', DbcSyntaxError, 'bus.dbc:11:5: expected closing \'"\' of the string that starts here: "CM_ >>!<<"never closed;"');
  throwsAt(HEADER + 'BO_ 1 A: 8 X\n SG_ S : 0|8@1+ (1,0) [0|0] "" X\nBA_ "x" BO_ 1 3\nBO_ 2 B: 8 X\n', DbcSyntaxError, 'bus.dbc:14:1: expected \';\' to end the attribute value (BA_): ">>!<<BO_ 2 B: 8 X"');
});

test('semantic errors that would give wrong values are refused, with their location', () => {
  throwsAt(HEADER + 'BO_ 1 A: 8 X\nBO_ 1 B: 8 X\n', DbcSemanticError, 'bus.dbc:12:1: message id 1 is defined twice (first as A at line 11)');
  throwsAt(HEADER + 'BO_ 1 A: 8 X\n SG_ S : 0|8@1+ (1,0) [0|0] "" X\n SG_ S : 8|8@1+ (1,0) [0|0] "" X\n', DbcSemanticError, 'bus.dbc:13:2: signal S appears twice in message A');
  throwsAt(HEADER + 'BO_ 1 A: 8 X\n SG_ S m1 : 0|8@1+ (1,0) [0|0] "" X\n', DbcSemanticError, 'bus.dbc:12:2: signal S is multiplexed (m1) but message A has no switch marked M');
  throwsAt(HEADER + 'BO_ 1 A: 8 X\n SG_ F : 0|16@1+ (1,0) [0|0] "" X\nSIG_VALTYPE_ 1 F : 1;\n', DbcSemanticError, 'bus.dbc:13:1: signal F is declared float32 but is 16 bits long');
  throwsAt(HEADER + 'BO_ 1 A: 64 X\n SG_ S : 511|8@1+ (1,0) [0|0] "" X\n', DbcSemanticError, 'bus.dbc:12:2: signal S (511|8@1) does not fit in a 64-byte frame');
  throwsAt(HEADER + 'BO_ 1 A: 64 X\n SG_ S : 504|16@0+ (1,0) [0|0] "" X\n', DbcSemanticError, 'bus.dbc:12:2: signal S (504|16@0) does not fit in a 64-byte frame');
});

test('found by the fuzzer: start bits past 511 and ids made equal by VFrameFormat are refused', () => {
  throwsAt(HEADER + 'BO_ 1 A: 8 X\n SG_ S : 4294967304|8@1+ (1,0) [0|0] "" X\n', DbcSyntaxError, 'bus.dbc:12:10: expected start bit 0..511: " SG_ S : >>!<<4294967304|8@1+ (1,0) [0|0] "" X"');
  throwsAt(
    HEADER +
      'BO_ 100 A: 8 X\n SG_ SA : 0|8@1+ (1,0) [0|0] "" X\nBO_ 2147483748 B: 8 X\n SG_ SB : 8|8@1+ (1,0) [0|0] "" X\n' +
      'BA_DEF_ BO_ "VFrameFormat" ENUM "StandardCAN","ExtendedCAN";\nBA_ "VFrameFormat" BO_ 100 1;\n',
    DbcSemanticError,
    'bus.dbc:13:1: message B has the same CAN id 0x64 (29-bit) as A (line 11)',
  );
});

test('references to things that do not exist are warnings with locations, and nothing is attached elsewhere', () => {
  const db = parseDbc(HEADER + 'BO_ 1 A: 8 X\n SG_ S : 0|8@1+ (1,0) [0|0] "" X\nCM_ SG_ 1 T "no such signal";\nVAL_ 2 S 0 "x";\n', 'bus.dbc');
  assert.equal(db.warnings.map((w) => [w.code, w.location.line]), [['UNKNOWN_SIGNAL', 13], ['UNKNOWN_MESSAGE', 14]]);
  assert.is(db.messages[0]!.signals[0]!.comment, null);
  assert.is(db.messages[0]!.signals[0]!.choices, null);
});

test.run();
