/** Options, defaults and records of the MCU bridge emulator (mcu-bridge.ts). */
import type { BindingInterface } from '@serialport/bindings-cpp';
import type { OutgoingFrame } from '../../../firmware-bridge/index.ts';
import { DEFAULT_BAUD, DEFAULT_HEARTBEAT_MS, PROTOCOL_MAJOR, PROTOCOL_MINOR, type BridgeTimer } from '../../../firmware-bridge/src/uart/protocol.ts';

export interface McuBridgeOptions {
  /** Serial device (PTY end) the MCU's UART is on. */
  path: string;
  baudRate?: number;
  /** Serial binding (default: @serialport/bindings-cpp autoDetect()). */
  binding?: BindingInterface;
  /** The MCU's clock and timers (default: the system's). */
  timer?: BridgeTimer;
  /** Firmware version reported in HELLO_ACK (default 1.4.2). */
  firmware?: [number, number, number];
  /** Protocol version the firmware speaks (default: this build's). */
  protocol?: { major: number; minor: number };
  /** CAN channels (default 1). */
  channels?: number;
  /** CAN FD capable (default true). */
  fd?: boolean;
  /** Heartbeat period in ms; 0 = only when `heartbeat()` is called (default 100). */
  heartbeatMs?: number;
  /** Frames per CAN_BATCH (default 64). */
  batchFrames?: number;
  /** Longest a frame waits in a partial batch, ms (default 1). */
  batchDelayMs?: number;
  /** Allow-list entries per channel (default 64). */
  allowlistCapacity?: number;
  /** Ids (txKey) the firmware may ever allow; null = unprovisioned dev firmware (default null). */
  ceiling?: ReadonlySet<string> | null;
  /** Bench firmware honouring ALLOW_ALL (default false: production behaviour). */
  benchBuild?: boolean;
  /** STATS every this many heartbeats; 0 = only on request (default 10). */
  statsEvery?: number;
}

/** A frame the MCU put on the bus for the host. */
export interface AcceptedTx extends Required<Pick<OutgoingFrame, 'id' | 'extended' | 'fd' | 'brs' | 'rtr' | 'data'>> {
  channel: number;
  /** Host packet sequence number of the TX_REQUEST. */
  seq: number;
}

/** A TX_REQUEST the MCU refused. */
export interface RefusedTx {
  channel: number;
  id: number;
  extended: boolean;
  /** Status name, e.g. `NOT_ALLOWED`. */
  status: string;
}

/** What the emulated firmware is when an option is not given. */
export const MCU_DEFAULTS: Required<Omit<McuBridgeOptions, 'path' | 'binding' | 'timer'>> = {
  baudRate: DEFAULT_BAUD,
  firmware: [1, 4, 2],
  protocol: { major: PROTOCOL_MAJOR, minor: PROTOCOL_MINOR },
  channels: 1,
  fd: true,
  heartbeatMs: DEFAULT_HEARTBEAT_MS,
  batchFrames: 64,
  batchDelayMs: 1,
  allowlistCapacity: 64,
  ceiling: null,
  benchBuild: false,
  statsEvery: 10,
};
