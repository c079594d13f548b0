/**
 * Channel numbers ↔ bus names, shared by the formats that number their channels (ASC, TRC,
 * BLF). Those files count channels from 1, Linux counts interfaces from 0, so:
 *
 * ```
 *   reading:  channel n (n >= 1)        → `${busPrefix}${n - 1}`      channel 1 → can0
 *   writing:  bus `<name><k>` (k digits) → channel k + 1               can0, vcan0 → 1; can3 → 4
 *             bus without a number      → lowest channel not yet used
 * ```
 *
 * Round trips are exact for buses named `${busPrefix}<k>`. Two buses that would share a
 * channel (`can0` and `vcan0`) are refused rather than merged.
 */

/** Bus names of channels, computed once per channel number. */
export class ChannelNames {
  private readonly names: string[] = [];

  constructor(private readonly busPrefix: string) {}

  /** Bus of 1-based channel `channel` (the caller has checked it is >= 1). */
  busOf(channel: number): string {
    return (this.names[channel] ??= `${this.busPrefix}${channel - 1}`);
  }
}

/** A bus name's trailing number. */
const TRAILING_NUMBER = /(\d{1,5})$/;

/** Assigns channel numbers to bus names as a writer meets them. */
export class ChannelNumbers {
  private readonly byBus = new Map<string, number>();
  private readonly byChannel = new Map<number, string>();

  /** @param maxChannel largest channel the format can store */
  constructor(private readonly maxChannel: number) {}

  /** The channel of `bus`, or a string saying why it has none. */
  channelOf(bus: string): number | string {
    const known = this.byBus.get(bus);
    if (known !== undefined) return known;
    const m = TRAILING_NUMBER.exec(bus);
    let channel: number;
    if (m) channel = Number(m[1]) + 1;
    else for (channel = 1; this.byChannel.has(channel); ) channel++;
    if (channel > this.maxChannel) return `bus "${bus}" would be channel ${channel}, beyond this format's ${this.maxChannel}`;
    const other = this.byChannel.get(channel);
    if (other !== undefined) return `buses "${other}" and "${bus}" would both be channel ${channel}`;
    this.byBus.set(bus, channel);
    this.byChannel.set(channel, bus);
    return channel;
  }
}
