import type { SourceLocation } from '../errors.ts';
import type { AttributeValue, Signal } from './signal.ts';

/** SIG_GROUP_: a named set of signals that are updated together. */
export interface SignalGroup {
  name: string;
  repetitions: number;
  signalNames: string[];
}

/** One CAN message (BO_). */
export interface Message {
  /** Arbitration id without the DBC's 0x80000000 extended flag. */
  id: number;
  /** 29-bit identifier. */
  extended: boolean;
  name: string;
  /** Data length in bytes (0..64). */
  length: number;
  /** CAN FD frame (VFrameFormat StandardCAN_FD / ExtendedCAN_FD, or length > 8). */
  isFd: boolean;
  /** The transmitter from BO_ and any BO_TX_BU_ additions. */
  senders: string[];
  signals: Signal[];
  comment: string | null;
  attributes: Record<string, AttributeValue>;
  /** GenMsgCycleTime in milliseconds, or null when the message is not cyclic / not stated. */
  cycleTimeMs: number | null;
  signalGroups: SignalGroup[];
  location: SourceLocation;
}
