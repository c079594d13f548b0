import type { Message } from '../model/message.ts';
import type { Signal } from '../model/signal.ts';
import type { SignalLayout } from '../codec/bit-layout.ts';

/**
 * A checksum/counter convention, named after the opendbc family that uses it.
 * `'none'` means: no checksum or counter is checked.
 */
export type ChecksumScheme =
  | 'toyota'
  | 'honda'
  | 'vw_mqb'
  | 'vw_pq'
  | 'hyundai_canfd'
  | 'subaru'
  | 'tesla'
  | 'chrysler'
  | 'none';

/** Every scheme, `'none'` last. */
export const CHECKSUM_SCHEMES: readonly ChecksumScheme[] = Object.freeze([
  'toyota', 'honda', 'vw_mqb', 'vw_pq', 'hyundai_canfd', 'subaru', 'tesla', 'chrysler', 'none',
] as const);

/**
 * DBC file-name prefix → scheme, checked in order, as opendbc's `get_checksum_state`
 * (commaai/opendbc `opendbc/can/dbc.py`) does. opendbc families this module does not
 * implement (`vw_mlb`, `fca_giorgio`, `comma_body`, `psa_`) fall through to `'none'`, and so do
 * pre-global Subaru files (`subaru_outback_2015…`), which opendbc does not check either.
 */
const FILE_PREFIXES: ReadonlyArray<readonly [prefix: string, scheme: ChecksumScheme]> = [
  ['honda_', 'honda'],
  ['acura_', 'honda'],
  ['toyota_', 'toyota'],
  ['lexus_', 'toyota'],
  ['hyundai_canfd_generated', 'hyundai_canfd'],
  ['vw_mqb', 'vw_mqb'], // also vw_mqbevo
  ['vw_meb', 'vw_mqb'], // MEB uses the MQB CRC and magic bytes
  ['vw_pq', 'vw_pq'],
  ['subaru_global_', 'subaru'],
  ['chrysler_', 'chrysler'],
  ['tesla_model3_party', 'tesla'],
];

/**
 * The scheme opendbc applies to a DBC file, from its name alone: `'toyota_nodsu_pt_generated.dbc'`
 * → `'toyota'`, `'acura_ilx_2016_can_generated'` → `'honda'`, `'vw_meb_generated.dbc'` → `'vw_mqb'`.
 * Accepts a bare name or a path (directories and the `.dbc` extension are ignored, case-sensitive
 * like opendbc). Returns `'none'` for any other file. Never throws.
 */
export function checksumSchemeForFile(fileName: string): ChecksumScheme {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  for (const [prefix, scheme] of FILE_PREFIXES) if (base.startsWith(prefix)) return scheme;
  return 'none';
}

/** What a signal is for under a scheme. */
export type SignalRole = 'checksum' | 'counter' | null;

/**
 * Which role a signal name plays. opendbc matches the exact names `CHECKSUM` and `COUNTER`;
 * for Tesla it also takes any name ending in `Checksum` / `Counter` (`DI_torqueChecksum`).
 */
export function signalRole(scheme: ChecksumScheme, name: string): SignalRole {
  if (scheme === 'none') return null;
  if (name === 'CHECKSUM') return 'checksum';
  if (name === 'COUNTER') return 'counter';
  if (scheme === 'tesla' && name.endsWith('Checksum')) return 'checksum';
  if (scheme === 'tesla' && name.endsWith('Counter')) return 'counter';
  return null;
}

/** The byte a layout fills completely (8 bits, one chunk), or -1. */
export function wholeByteOf(layout: SignalLayout): number {
  const c = layout.chunks[0];
  return layout.chunks.length === 1 && c !== undefined && c.lo === 0 && c.width === 8 ? c.byte : -1;
}

/** True when the layout is exactly the low nibble (bits 3..0) of byte `byte`. */
function isLowNibbleOf(layout: SignalLayout, byte: number): boolean {
  const c = layout.chunks[0];
  return layout.chunks.length === 1 && c !== undefined && c.byte === byte && c.lo === 0 && c.width === 4;
}

/** True when the layout is bytes 0 (low) and 1 (high) of a little-endian 16-bit value. */
function isLeWordAtStart(sig: Signal): boolean {
  return sig.byteOrder === 'little_endian' && sig.startBit === 0 && sig.length === 16;
}

/**
 * Why the checksum signal cannot be checked with the scheme's algorithm, or null when it sits
 * where the algorithm expects it. The algorithms fix the checksum's place (see
 * `checksum-algorithms.ts`); a DBC that puts it elsewhere (opendbc's Subaru `Steering`, 0x002,
 * has it in byte 4) would otherwise fail every frame.
 */
export function checksumPlacementProblem(
  scheme: ChecksumScheme, msg: Message, sig: Signal, layout: SignalLayout,
): string | null {
  const last = msg.length - 1;
  switch (scheme) {
    case 'toyota':
    case 'chrysler':
      return wholeByteOf(layout) === last ? null : `expected the whole last byte (byte ${last})`;
    case 'honda':
      return isLowNibbleOf(layout, last) ? null : `expected the low nibble of the last byte (byte ${last})`;
    case 'vw_mqb':
      if (msg.length < 2) return 'expected a frame of at least 2 bytes (counter nibble in byte 1)';
      return wholeByteOf(layout) === 0 ? null : 'expected the whole of byte 0';
    case 'subaru':
      return wholeByteOf(layout) === 0 ? null : 'expected the whole of byte 0';
    case 'hyundai_canfd':
      return isLeWordAtStart(sig) ? null : 'expected 16 bits little-endian at bytes 0..1 (0|16@1)';
    case 'vw_pq':
    case 'tesla':
      return wholeByteOf(layout) >= 0 ? null : 'expected exactly one whole byte';
    case 'none':
      return 'scheme none has no checksum';
  }
}
