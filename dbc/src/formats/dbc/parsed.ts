import type { SourceLocation } from '../../errors.ts';
import type { AttributeDefinition, EnvironmentVariable } from '../../model/database.ts';
import type { Message } from '../../model/message.ts';
import type { AttributeValue, Signal } from '../../model/signal.ts';

/** Which object a CM_ / BA_ / VAL_ statement names. Resolved after the whole file is read. */
export type ObjectRef =
  | { kind: 'network' }
  | { kind: 'node'; name: string }
  | { kind: 'message'; rawId: number }
  | { kind: 'signal'; rawId: number; signal: string }
  | { kind: 'envvar'; name: string };

/** A signal as read from SG_, before its multiplexer reference is resolved. */
export interface ParsedSignal extends Signal {
  /** `mN` / `mNM`: the switch value N; null for plain signals and for `M`. */
  muxValue: number | null;
}

export interface ParsedMessage extends Message {
  signals: ParsedSignal[];
  /** The id exactly as written in BO_ (with the 0x80000000 flag when present). */
  rawId: number;
}

/** Everything one pass over the text collected; `finalize` turns it into a `Database`. */
export interface ParsedDbc {
  file: string;
  version: string;
  nodes: string[];
  nodeLocations: SourceLocation[];
  messages: ParsedMessage[];
  valueTables: Map<string, Map<number, string>>;
  attributeDefinitions: Map<string, AttributeDefinition>;
  environmentVariables: EnvironmentVariable[];
  comments: { ref: ObjectRef; text: string; location: SourceLocation }[];
  attributes: { name: string; ref: ObjectRef; value: AttributeValue; location: SourceLocation }[];
  attributeDefaults: { name: string; value: AttributeValue; location: SourceLocation }[];
  valueDescriptions: { ref: ObjectRef; choices: Map<number, string>; location: SourceLocation }[];
  signalValueTypes: { rawId: number; signal: string; type: number; location: SourceLocation }[];
  extendedMux: {
    rawId: number;
    signal: string;
    multiplexer: string;
    ranges: [number, number][];
    location: SourceLocation;
  }[];
  transmitters: { rawId: number; nodes: string[]; location: SourceLocation }[];
  signalGroups: {
    rawId: number;
    name: string;
    repetitions: number;
    signals: string[];
    location: SourceLocation;
  }[];
  /** Statements knowingly skipped, by keyword, with the first location seen. */
  skipped: Map<string, { count: number; location: SourceLocation }>;
  /** Tolerated oddities found while reading (resolution adds more). */
  warnings: { code: string; message: string; location: SourceLocation }[];
}
