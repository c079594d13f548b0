/**
 * The UART bridge protocol toolkit for code outside the host link: the MCU emulator in sim/,
 * the fuzzer and the benchmark. One import surface so the package index can re-export it as a
 * namespace (`export * as uartBridge from './src/uart/protocol.ts'`).
 */
export * from './bridge-protocol.ts';
export { PacketDecoder, PacketWriter, encodePacket, hexOf, type PacketView, type DecoderCounts, type DecoderOptions } from './bridge-codec.ts';
export * from './bridge-payloads.ts';
export { BatchReader, beginBatch, addRecord, recordFits, finishBatch, BATCH_HEADER_BYTES, RECORD_HEADER_BYTES, MAX_BATCH_FRAMES } from './bridge-batch.ts';
export { SeqTracker } from './seq-tracker.ts';
export { cobsEncode, cobsDecode, cobsMaxEncodedLength } from './cobs.ts';
export { crc16, crc16Reference, CRC16_CHECK } from './crc16.ts';
export { BridgeFramingError, BridgeNackError, McuFaultError, type FramingErrorKind } from './bridge-errors.ts';
export { systemTimer, FakeTimer, type BridgeTimer, type TimerHandle } from './bridge-timer.ts';
export { openSerialPort, closeSerialPort, defaultBinding } from './serial-port.ts';
