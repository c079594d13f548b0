import { layoutSignal, type SignalLayout } from '../codec/bit-layout.ts';
import { DbcError } from '../errors.ts';
import type { DbcWarning } from '../model/database.ts';
import type { Message } from '../model/message.ts';
import type { Signal } from '../model/signal.ts';
import { checksumPlacementProblem, signalRole, wholeByteOf, type ChecksumScheme } from './checksum-schemes.ts';
import { vwMqbMagicBytes } from './vw-mqb-magic.ts';

/**
 * Widest signal still taken as a rolling counter. Every rolling counter in opendbc's DBCs has
 * 2..8 bits; wider `COUNTER` signals are measurements (Chrysler `TRIP.COUNTER` is 16 bits of meters).
 */
export const MAX_COUNTER_BITS = 8;

/** How one message is checked, worked out once so that checking a frame allocates nothing. */
export interface MessagePlan {
  /** DBC frame length in bytes: the algorithms run over exactly this many bytes. */
  frameLength: number;
  checksum: Signal | null;
  checksumLayout: SignalLayout | null;
  /** Byte holding the checksum (for schemes that skip it), or -1. */
  checksumByte: number;
  counter: Signal | null;
  counterLayout: SignalLayout | null;
  /** 2 ** counter bits. */
  counterModulo: number;
  /** VW MQB magic bytes by counter value, or null. */
  magic: Uint8Array | null;
}

/** Throws `DbcError` code `BAD_MESSAGE_INDEX` unless `i` is an integer in 0..count-1. */
export function assertMessageIndex(i: number, count: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= count) {
    throw new DbcError(`message index ${i} is out of range 0..${count - 1}`, 'BAD_MESSAGE_INDEX');
  }
}

function warn(out: DbcWarning[], code: string, msg: Message, sig: Signal, why: string): void {
  const id = `0x${msg.id.toString(16).toUpperCase()}`;
  out.push({ code, message: `${msg.name} (${id}): ${sig.name} not checked: ${why}`, location: sig.location });
}

/** The checksum and counter signals of a message, with the ones that cannot be used reported. */
function pickSignals(scheme: ChecksumScheme, msg: Message, warnings: DbcWarning[]) {
  let checksum: Signal | null = null;
  let counter: Signal | null = null;
  for (const sig of msg.signals) {
    const role = signalRole(scheme, sig.name);
    if (role === null) continue;
    if (sig.multiplexerSignal !== null) {
      warn(warnings, 'INTEGRITY_MULTIPLEXED', msg, sig, 'it is multiplexed, so not in every frame');
    } else if ((role === 'checksum' && checksum) || (role === 'counter' && counter)) {
      warn(warnings, 'INTEGRITY_DUPLICATE_ROLE', msg, sig, `the message already has a ${role}`);
    } else if (role === 'counter' && sig.length > MAX_COUNTER_BITS) {
      warn(warnings, 'INTEGRITY_COUNTER_TOO_WIDE', msg, sig, `${sig.length} bits is a measurement, not a rolling counter`);
    } else if (role === 'checksum') {
      checksum = sig;
    } else {
      counter = sig;
    }
  }
  return { checksum, counter };
}

/** Layout of the checksum signal, or null (with a warning) when the algorithm cannot use it. */
function checksumLayoutFor(scheme: ChecksumScheme, msg: Message, sig: Signal, warnings: DbcWarning[]): SignalLayout | null {
  const layout = layoutSignal(sig);
  const problem = layout.bytesNeeded > msg.length
    ? `it lies outside the ${msg.length}-byte frame`
    : checksumPlacementProblem(scheme, msg, sig, layout);
  if (problem === null) return layout;
  warn(warnings, 'INTEGRITY_CHECKSUM_MISPLACED', msg, sig, `the ${scheme} algorithm ${problem}`);
  return null;
}

/** Builds the plan of one message, or null when the scheme checks nothing in it. */
export function planMessage(scheme: ChecksumScheme, msg: Message, warnings: DbcWarning[]): MessagePlan | null {
  if (scheme === 'none') return null;
  const picked = pickSignals(scheme, msg, warnings);
  const checksumLayout = picked.checksum ? checksumLayoutFor(scheme, msg, picked.checksum, warnings) : null;
  let counterLayout: SignalLayout | null = picked.counter ? layoutSignal(picked.counter) : null;
  if (picked.counter && counterLayout && counterLayout.bytesNeeded > msg.length) {
    warn(warnings, 'INTEGRITY_COUNTER_MISPLACED', msg, picked.counter, `it lies outside the ${msg.length}-byte frame`);
    counterLayout = null;
  }
  if (!checksumLayout && !counterLayout) return null;
  return {
    frameLength: msg.length,
    checksum: checksumLayout ? picked.checksum : null,
    checksumLayout,
    checksumByte: checksumLayout ? wholeByteOf(checksumLayout) : -1,
    counter: counterLayout ? picked.counter : null,
    counterLayout,
    counterModulo: counterLayout && picked.counter ? 2 ** picked.counter.length : 0,
    magic: scheme === 'vw_mqb' && checksumLayout ? vwMqbMagicBytes(msg.id) : null,
  };
}
