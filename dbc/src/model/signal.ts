import type { SourceLocation } from '../errors.ts';

/** Attribute values as the DBC states them: numbers for INT/HEX/FLOAT/ENUM index, strings otherwise. */
export type AttributeValue = number | string;

/**
 * One signal of a message.
 *
 * Bit numbering follows the DBC convention. For `little_endian` (Intel, `@1`), `startBit` is the
 * least significant bit; for `big_endian` (Motorola, `@0`), it is the most significant bit,
 * counted in the "sawtooth" order below:
 *
 * ```
 *            bit in byte:  7  6  5  4  3  2  1  0
 *   byte 0               | 7| 6| 5| 4| 3| 2| 1| 0|
 *   byte 1               |15|14|13|12|11|10| 9| 8|
 *   ...
 *   Intel   4|12@1+ : LSB at bit 4, grows upward: bits 4..7 of byte 0, then all of byte 1
 *   Motorola 7|12@0+: MSB at bit 7, grows to the right and down: all of byte 0, bits 7..4 of byte 1
 * ```
 */
export interface Signal {
  name: string;
  /** DBC start bit (see above), 0..511. */
  startBit: number;
  /** Length in bits, 1..64. */
  length: number;
  byteOrder: 'little_endian' | 'big_endian';
  /** Two's-complement when true. Ignored for floats. */
  signed: boolean;
  /** From SIG_VALTYPE_: 1 = IEEE float32, 2 = float64. */
  valueType: 'integer' | 'float32' | 'float64';
  /** physical = raw * factor + offset. */
  factor: number;
  offset: number;
  /** Physical range from the DBC; `[0|0]` means "not stated" and is kept as given. */
  minimum: number;
  maximum: number;
  unit: string;
  receivers: string[];
  /** True for a multiplexer switch (`M` or `mNM`). */
  isMultiplexer: boolean;
  /** Name of the switch this signal depends on, or null when it is always present. */
  multiplexerSignal: string | null;
  /** Raw switch values for which this signal is present (from `mN` or SG_MUL_VAL_). */
  multiplexerIds: number[] | null;
  /** VAL_ choices: raw value -> name. */
  choices: Map<number, string> | null;
  comment: string | null;
  attributes: Record<string, AttributeValue>;
  /** GenSigStartValue (raw), when stated. */
  initialRaw: number | null;
  location: SourceLocation;
}
