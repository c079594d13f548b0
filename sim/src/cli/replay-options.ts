/**
 * The options of `headunit replay`, checked into the player's terms. Every mistake is a
 * UsageError naming the option and what it expected (exit 2).
 */
import { UsageError } from '../../../dbc/index.ts';
import type { PlayerOptions } from '../player/player.ts';

/** The raw values as parseArgs gives them. */
export interface ReplayArgValues {
  speed?: string;
  fast?: boolean;
  loop?: boolean;
  start?: string;
  stop?: string;
  id?: string[];
  bus?: string[];
  map?: string[];
  to?: string;
}

/** Player options plus where each trace bus goes. */
export interface ReplayPlan {
  player: PlayerOptions;
  /** Trace bus -> link URL (from --map). */
  busLinks: Map<string, string>;
  /** Link URL for every other bus (from --to), or null: only mapped buses play. */
  defaultLink: string | null;
  /** Every distinct link URL to open. */
  links: string[];
}

/** `123`, `0x123`, `18FEF100` (hex, as candump writes them), comma-separated, repeatable. */
export function parseIdList(items: readonly string[]): Set<number> {
  const ids = new Set<number>();
  for (const item of items.flatMap((i) => i.split(','))) {
    const text = item.trim().replace(/^0x/i, '');
    if (!/^[0-9a-fA-F]{1,8}$/.test(text) || parseInt(text, 16) > 0x1fffffff) throw new UsageError(`--id: '${item}' is not a CAN id in hex (e.g. 123 or 18FEF100)`);
    ids.add(parseInt(text, 16));
  }
  return ids;
}

function seconds(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${name} must be seconds into the trace (>= 0), not '${text}'`);
  return n;
}

function speedOf(v: ReplayArgValues): number {
  if (v.fast && v.speed !== undefined) throw new UsageError('give --speed or --fast, not both');
  if (v.fast) return Infinity;
  if (v.speed === undefined) return 1;
  const n = Number(v.speed);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--speed must be a positive factor (0.5, 1, 10), not '${v.speed}'`);
  return n;
}

function busLinksOf(maps: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of maps) {
    const eq = m.indexOf('=');
    if (eq <= 0 || eq === m.length - 1) throw new UsageError(`--map must be TRACEBUS=LINKURL (e.g. can0=socketcan:vcan0), not '${m}'`);
    const bus = m.slice(0, eq);
    if (out.has(bus)) throw new UsageError(`--map: trace bus '${bus}' is mapped twice`);
    out.set(bus, m.slice(eq + 1));
  }
  return out;
}

/** Checks the values and turns them into a plan. */
export function planReplay(v: ReplayArgValues): ReplayPlan {
  const busLinks = busLinksOf(v.map ?? []);
  const defaultLink = v.to ?? null;
  if (defaultLink === null && busLinks.size === 0) throw new UsageError('give --to LINKURL, or --map TRACEBUS=LINKURL for each bus to play');
  const startAtS = seconds('--start', v.start);
  const stopAtS = seconds('--stop', v.stop);
  if (stopAtS !== undefined && stopAtS <= (startAtS ?? 0)) throw new UsageError(`--stop ${stopAtS} must be after --start ${startAtS ?? 0}`);
  const player: PlayerOptions = {
    speed: speedOf(v),
    loop: v.loop === true,
    busMap: busLinks,
    ...(startAtS !== undefined ? { startAtS } : {}),
    ...(stopAtS !== undefined ? { stopAtS } : {}),
    ...(v.id && v.id.length > 0 ? { ids: parseIdList(v.id) } : {}),
    ...(v.bus && v.bus.length > 0 ? { buses: new Set(v.bus.flatMap((b) => b.split(',')).map((b) => b.trim())) } : {}),
  };
  const links = [...new Set([...busLinks.values(), ...(defaultLink !== null ? [defaultLink] : [])])];
  return { player, busLinks, defaultLink, links };
}
