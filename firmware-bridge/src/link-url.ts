import { LinkUrlError } from './errors.ts';

/** Link kinds the registry knows. */
export const LINK_SCHEMES = ['socketcan', 'slcan', 'bridge', 'fake'] as const;
export type LinkScheme = (typeof LINK_SCHEMES)[number];

/**
 * A parsed link URL. Grammar (the runtime's car configuration uses the same):
 *
 * ```
 *   link-url = scheme ":" target [ "@" bitrate ] [ "?" param *( "&" param ) ]
 *   scheme   = "socketcan" | "slcan" | "bridge" | "fake"
 *   target   = interface name (socketcan, fake) | device path (slcan, bridge)
 *   bitrate  = CAN bit rate in bit/s, digits, optional k/M suffix (500k, 1M)
 *   param    = key "=" value        e.g. baud=115200, fd=2M, bus=pt, filter=123:7FF
 *
 *   socketcan:vcan0            slcan:/dev/ttyACM0@500k?baud=115200      bridge:/dev/ttyS1?baud=921600
 * ```
 */
export interface LinkUrl {
  url: string;
  scheme: LinkScheme;
  target: string;
  /** CAN bit rate in bit/s, or null when the URL does not set one. */
  bitrate: number | null;
  params: ReadonlyMap<string, string>;
}

/** Parses `500000`, `500k`, `1M` into bit/s; null when malformed. */
export function parseBitrate(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)([kM]?)$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]) * (m[2] === 'k' ? 1e3 : m[2] === 'M' ? 1e6 : 1);
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** @throws LinkUrlError naming the column and what was expected. */
export function parseLinkUrl(url: string): LinkUrl {
  const colon = url.indexOf(':');
  const scheme = url.slice(0, Math.max(colon, 0));
  if (colon < 0 || !(LINK_SCHEMES as readonly string[]).includes(scheme)) {
    throw new LinkUrlError(url, 1, `a scheme: ${LINK_SCHEMES.map((s) => s + ':').join(', ')}`);
  }
  let rest = url.slice(colon + 1);
  const params = new Map<string, string>();
  const q = rest.indexOf('?');
  if (q >= 0) {
    let col = colon + 1 + q + 2;
    for (const pair of rest.slice(q + 1).split('&')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new LinkUrlError(url, col, 'key=value after ? or &');
      params.set(pair.slice(0, eq), decodeURIComponent(pair.slice(eq + 1)));
      col += pair.length + 1;
    }
    rest = rest.slice(0, q);
  }
  let bitrate: number | null = null;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    bitrate = parseBitrate(rest.slice(at + 1));
    if (bitrate === null) throw new LinkUrlError(url, colon + 1 + at + 2, 'a bit rate such as 500000, 500k or 1M after @');
    rest = rest.slice(0, at);
  }
  if (rest === '') throw new LinkUrlError(url, colon + 2, scheme === 'slcan' || scheme === 'bridge' ? 'a serial device path' : 'an interface name');
  return { url, scheme: scheme as LinkScheme, target: rest, bitrate, params };
}
