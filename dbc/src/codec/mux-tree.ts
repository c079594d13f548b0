import type { Message } from '../model/message.ts';
import type { Signal } from '../model/signal.ts';

/** Signals grouped by the switch value set that makes them present, under one switch. */
export interface MuxBranch {
  /** Raw switch values, as inclusive ranges. */
  ranges: [number, number][];
  nodes: MuxNode[];
}

/** A signal and, when it is a switch, the branches it selects. */
export interface MuxNode {
  index: number;
  signal: Signal;
  branches: MuxBranch[];
}

/** Compresses sorted-or-not switch values into inclusive ranges. */
export function toRanges(ids: readonly number[]): [number, number][] {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const v of sorted) {
    const last = out[out.length - 1];
    if (last && v === last[1] + 1) last[1] = v;
    else out.push([v, v]);
  }
  return out;
}

/**
 * The message's signals as a tree: always-present signals at the root; under each switch, one
 * branch per distinct set of switch values. Decoding walks it so that only the active branch is
 * read, which is what "multiplexed" means on the bus.
 */
export function muxTree(message: Message): MuxNode[] {
  const nodes = message.signals.map((signal, index): MuxNode => ({ index, signal, branches: [] }));
  const byName = new Map(nodes.map((n) => [n.signal.name, n]));
  const roots: MuxNode[] = [];
  for (const n of nodes) {
    const parent = n.signal.multiplexerSignal === null ? undefined : byName.get(n.signal.multiplexerSignal);
    if (!parent) {
      roots.push(n);
      continue;
    }
    const key = JSON.stringify(toRanges(n.signal.multiplexerIds ?? []));
    let branch = parent.branches.find((b) => JSON.stringify(b.ranges) === key);
    if (!branch) {
      branch = { ranges: toRanges(n.signal.multiplexerIds ?? []), nodes: [] };
      parent.branches.push(branch);
    }
    branch.nodes.push(n);
  }
  return roots;
}

/** True when `raw` lies in one of the ranges. */
export function inRanges(ranges: readonly [number, number][], raw: number): boolean {
  for (const [lo, hi] of ranges) if (raw >= lo && raw <= hi) return true;
  return false;
}
