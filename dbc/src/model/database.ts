import type { SourceLocation } from '../errors.ts';
import type { Message } from './message.ts';
import type { AttributeValue } from './signal.ts';

/** BA_DEF_: the declared type of a user attribute. */
export interface AttributeDefinition {
  name: string;
  /** '' for network attributes, else BU_, BO_, SG_, EV_ or a relation kind such as BU_SG_REL_. */
  objectType: string;
  valueType: 'INT' | 'HEX' | 'FLOAT' | 'STRING' | 'ENUM';
  minimum: number | null;
  maximum: number | null;
  enumValues: string[];
  defaultValue: AttributeValue | null;
}

/** EV_: an environment variable (kept for completeness; not used for decoding). */
export interface EnvironmentVariable {
  name: string;
  type: number;
  minimum: number;
  maximum: number;
  unit: string;
  initialValue: number;
  id: number;
  accessType: string;
  accessNodes: string[];
  comment: string | null;
}

/** Something the loader tolerated: the result is still usable, but a person should know. */
export interface DbcWarning {
  code: string;
  message: string;
  location: SourceLocation;
}

/** A loaded DBC file. */
export interface Database {
  file: string;
  version: string;
  nodes: { name: string; comment: string | null; attributes: Record<string, AttributeValue> }[];
  messages: Message[];
  valueTables: Map<string, Map<number, string>>;
  attributeDefinitions: Map<string, AttributeDefinition>;
  /** Network-level attribute values (BA_ without object), e.g. BusType, DBName. */
  attributes: Record<string, AttributeValue>;
  environmentVariables: EnvironmentVariable[];
  /** `BusType` attribute: 'CAN', 'CAN FD', ... or null. */
  busType: string | null;
  comment: string | null;
  /** Everything the loader tolerated, in file order. Never printed by the library. */
  warnings: DbcWarning[];
}
