/**
 * headunit DBC engine: parse DBC files, decode and encode CAN frames through generated code,
 * check counters/checksums, and track message timeouts. This file is the package's whole
 * public surface; other folders import only from here.
 */
export * from './src/errors.ts';
export type { Signal, AttributeValue } from './src/model/signal.ts';
export type { Message, SignalGroup } from './src/model/message.ts';
export type { Database, DbcWarning, AttributeDefinition, EnvironmentVariable } from './src/model/database.ts';
export { parseDbc, loadDbcFile } from './src/formats/dbc/load.ts';
export { CompiledDbc, DECODE_OK, DECODE_TRUNCATED, type DecodeFn, type EncodeFn } from './src/codec/compile.ts';
export {
  decodeToObject,
  encodeFromObject,
  setOwn,
  type DecodedFrame,
  type DecodeOptions,
  type EncodeOptions,
} from './src/codec/object-codec.ts';
export { layoutSignal, type SignalLayout, type BitChunk } from './src/codec/bit-layout.ts';
export type { CanFrame } from './src/model/frame.ts';
export { UsageError, type CliCommand, type CliIo } from './src/cli/command.ts';
export { dbcCommands } from './src/cli/commands.ts';
export { randomFrameStream, xorshift32, FRAME_STRIDE, type FrameStream } from './src/bench/frame-stream.ts';
export * from './src/integrity/index.ts';
