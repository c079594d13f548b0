/**
 * Settings of a `bridge:` link from its URL, and the allow-list the host sends the MCU.
 *
 * ```
 *   bridge:/dev/ttyS1?baud=921600&channel=0&heartbeat=100&timeout=500&handshake=1000&txTimeout=250&allowAll=1
 * ```
 */
import { LinkOpenError, LinkUrlError } from '../errors.ts';
import type { TxAllowList } from '../link.ts';
import type { LinkUrl } from '../link-url.ts';
import type { AllowEntry } from './bridge-payloads.ts';
import { ALLOWLIST_ALLOW_ALL, DEFAULT_BAUD, DEFAULT_HEARTBEAT_MS, DEFAULT_LOSS_TIMEOUT_MS, MAX_PAYLOAD } from './bridge-protocol.ts';

/** Most entries one ALLOWLIST packet holds: (MAX_PAYLOAD − 4 header bytes) / 4. */
export const MAX_ALLOWLIST_ENTRIES = (MAX_PAYLOAD - 4) / 4;

export interface BridgeConfig {
  /** Serial device path. */
  path: string;
  /** UART speed, baud (8N1). */
  baudRate: number;
  /** The MCU CAN channel this link serves (0-based). */
  channel: number;
  /** Host heartbeat period, ms. */
  heartbeatMs: number;
  /** Silence after which either side declares the other lost, ms. */
  timeoutMs: number;
  /** How long open/reconnect waits for HELLO_ACK and the allow-list's RESULT, ms. */
  handshakeMs: number;
  /** How long a send waits for the MCU's RESULT, ms. */
  txTimeoutMs: number;
  /** `allowAll=1`: a bench link may be opened with `txAllow: 'all'`. */
  allowAll: boolean;
}

const INTEGER_PARAMS = {
  baud: { min: 1200, max: 16_000_000, fallback: DEFAULT_BAUD },
  channel: { min: 0, max: 7, fallback: 0 },
  heartbeat: { min: 10, max: 10_000, fallback: DEFAULT_HEARTBEAT_MS },
  timeout: { min: 30, max: 60_000, fallback: DEFAULT_LOSS_TIMEOUT_MS },
  handshake: { min: 50, max: 60_000, fallback: 1000 },
  txTimeout: { min: 10, max: 60_000, fallback: 250 },
} as const;

/**
 * Reads the link's settings from its URL.
 * @throws LinkUrlError naming the column of a parameter that is not an integer in range, or unknown.
 */
export function parseBridgeConfig(url: LinkUrl): BridgeConfig {
  const get = (key: keyof typeof INTEGER_PARAMS): number => {
    const spec = INTEGER_PARAMS[key];
    const text = url.params.get(key);
    if (text === undefined) return spec.fallback;
    const v = Number(text);
    if (!/^\d+$/.test(text) || v < spec.min || v > spec.max) throw new LinkUrlError(url.url, paramColumn(url.url, key), `${key}= an integer from ${spec.min} to ${spec.max}`);
    return v;
  };
  for (const key of url.params.keys()) {
    if (!(key in INTEGER_PARAMS) && key !== 'allowAll' && key !== 'bus') throw new LinkUrlError(url.url, paramColumn(url.url, key), `a bridge parameter: ${[...Object.keys(INTEGER_PARAMS), 'allowAll', 'bus'].join(', ')}`);
  }
  const allowAll = url.params.get('allowAll');
  if (allowAll !== undefined && allowAll !== '0' && allowAll !== '1') throw new LinkUrlError(url.url, paramColumn(url.url, 'allowAll'), 'allowAll=0 or allowAll=1');
  const config = { path: url.target, baudRate: get('baud'), channel: get('channel'), heartbeatMs: get('heartbeat'), timeoutMs: get('timeout'), handshakeMs: get('handshake'), txTimeoutMs: get('txTimeout'), allowAll: allowAll === '1' };
  if (config.timeoutMs <= config.heartbeatMs) throw new LinkUrlError(url.url, paramColumn(url.url, 'timeout'), `timeout= longer than heartbeat= (${config.heartbeatMs} ms)`);
  return config;
}

/** 1-based column of `key=` in the URL's query (1 when absent). */
function paramColumn(url: string, key: string): number {
  const m = new RegExp(`[?&]${key}=`).exec(url);
  return m ? m.index + 2 : 1;
}

/**
 * The ALLOWLIST the host sends for a link's `txAllow` (§7): 'none' → empty; a set → its ids;
 * 'all' → the ALLOW_ALL flag, only when the URL says `allowAll=1`.
 * @throws LinkOpenError OPEN_FAILED for 'all' without `allowAll=1`, a malformed key, or a list
 *   longer than one packet holds.
 */
export function allowListFor(link: string, txAllow: TxAllowList, allowAll: boolean): { flags: number; entries: AllowEntry[] } {
  if (txAllow === 'none') return { flags: 0, entries: [] };
  if (txAllow === 'all') {
    if (allowAll) return { flags: ALLOWLIST_ALLOW_ALL, entries: [] };
    throw new LinkOpenError(
      link,
      'OPEN_FAILED',
      "txAllow 'all' is refused on an MCU bridge: the MCU's allow-list is the last line of defence. Pass the actuator ids, or add ?allowAll=1 to the URL on a bench (bench firmware only)",
    );
  }
  const entries: AllowEntry[] = [];
  for (const key of txAllow) {
    const m = /^([sx])([0-9A-F]{1,8})$/.exec(key);
    if (!m) throw new LinkOpenError(link, 'OPEN_FAILED', `allow-list key "${key}" is not s<HEX> or x<HEX> (see txKey)`);
    entries.push({ id: Number.parseInt(m[2]!, 16), extended: m[1] === 'x' });
  }
  if (entries.length > MAX_ALLOWLIST_ENTRIES) throw new LinkOpenError(link, 'OPEN_FAILED', `allow-list of ${entries.length} ids exceeds the ${MAX_ALLOWLIST_ENTRIES} one ALLOWLIST packet holds`);
  return { flags: 0, entries };
}
