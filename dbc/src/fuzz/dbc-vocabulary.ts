import type { Rng } from './fuzz-rng.ts';

/**
 * The DBC fuzzer's vocabulary: values at the limits the parser and code generator care about,
 * keywords, multiplexer indicators and awkward strings.
 */

/** Numbers at and just past every limit the parser and code generator care about. */
export const EXTREME_NUMBERS = [
  '4294967295', '4294967296', '2147483647', '2147483648', '3221225472', '2684354560', '536870911', '536870912',
  '2048', '2047', '-1', '-2147483649', '1e309', '-1e309', '1e-400', '65', '64', '63', '513', '512', '511', '0', '00',
  '-0', '1', '31', '32', '33', '52', '53', '54', '9007199254740993', '99999999999999999999999', 'NaN', 'Infinity',
  '1.#INF', '0x1F', '0xFFFFFFFF', '.5', '1.', '1e', '-', '+', '1E+038', '-3.4E+038', '0.0000001', '0.1',
];
/** Keywords, multiplexer indicators and names with special meaning (to the DBC or to JS objects). */
export const KEYWORDS = [
  'BO_', 'SG_', 'M', 'm', 'm0', 'm1', 'm3M', 'm65535', 'm4294967296', 'mM', 'SG_MUL_VAL_', 'VAL_', 'VAL_TABLE_',
  'SIG_VALTYPE_', 'BA_', 'BA_DEF_', 'BA_DEF_DEF_', 'CM_', 'BU_', 'BS_', 'NS_', 'EV_', 'VERSION', 'BO_TX_BU_', 'SIG_GROUP_',
  'ENVVAR_DATA_', 'SGTYPE_', 'CAT_', 'FILTER', 'Vector__XXX', 'VECTOR__INDEPENDENT_SIG_MSG', 'INT', 'HEX', 'FLOAT',
  'STRING', 'ENUM', 'DUMMY_NODE_VECTOR0', '__proto__', 'constructor', 'toString', 'hasOwnProperty',
];
/** Multiplexer indicators, valid and not. */
export const MUX_INDICATORS = ['', 'M', 'm', 'm0', 'm1', 'm2', 'm7', 'm0M', 'm1M', 'm3M', 'm255', 'm65536', 'm4294967295', 'm99999999999999999999', 'mM', 'Mm1', 'm-1'];
/** Replacement strings: empty, unclosed, escape at the end, long, with statement text inside. */
export const STRINGS = ['""', '"', '"\\', '"a\\"', '"\\"\\\\"', `"${'x'.repeat(2000)}"`, '"\n;\nBO_ 1 X: 8 Y\n"', '"\u00e9\u00ff"'];

/** A start bit or length: usually below `limit`, sometimes an extreme number (unsigned). */
export function randomBitNumber(rng: Rng, limit: number): string {
  return rng.chance(0.3) ? rng.pick(EXTREME_NUMBERS).replace(/^[+-]/, '') : String(rng.int(limit));
}

/** Any number: half the time an extreme one, else a small integer. */
export function anyNumber(rng: Rng): string {
  return rng.chance(0.5) ? rng.pick(EXTREME_NUMBERS) : String(rng.int(300));
}
