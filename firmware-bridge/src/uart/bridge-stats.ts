/** The UART bridge link's own counters, beyond the `LinkCounters` every link has. Types only. */
import type { DecoderCounts } from './bridge-codec.ts';
import type { HelloAck, McuStats } from './bridge-payloads.ts';

/** What the bridge saw besides delivered frames. Exposed by `UartBridgeLink.bridgeStats`. */
export interface UartBridgeStats {
  /** Bytes, good packets and discarded frames by kind (COBS, overlong, short, CRC, length, version). */
  decoder: DecoderCounts;
  /** CRC-good packets whose payload broke its layout. */
  malformedPackets: number;
  /** MCU packets that never arrived: the sum of sequence-number gaps. */
  packetsLost: number;
  /** MCU packets dropped because their sequence number was not ahead (reordered, replayed). */
  stalePackets: number;
  /** Frames numbered by the MCU that the host never received (exact, from frame sequence numbers; includes frames the MCU itself dropped). */
  framesLost: number;
  /** Frames of other MCU channels (not forwarded to this link's reader). */
  otherChannelFrames: number;
  packetsSent: number;
  handshakes: number;
  txNacks: number;
  txTimeouts: number;
  /** MCU firmware version `major.minor.patch` from the last HELLO_ACK. */
  firmware: string | null;
  /** The last HELLO_ACK (capabilities, channels, heartbeat period). */
  hello: HelloAck | null;
  /** The MCU's last STATS report. */
  mcu: McuStats | null;
}
