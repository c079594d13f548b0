import type { Message } from '../model/message.ts';
import { layoutSignal, readRawBigInt, readRawUnsigned, toSigned, type SignalLayout } from './bit-layout.ts';
import { inRanges, muxTree, type MuxNode } from './mux-tree.ts';

/** A message prepared for the generic (non-generated) decoder. */
export interface InterpretPlan {
  message: Message;
  layouts: SignalLayout[];
  roots: MuxNode[];
}

export function planMessage(message: Message): InterpretPlan {
  return { message, layouts: message.signals.map((s) => layoutSignal(s)), roots: muxTree(message) };
}

const scratch = new DataView(new ArrayBuffer(8));

/** Raw value of signal `i`: integer (signed per the DBC) or the IEEE float its bits hold. */
export function rawValue(plan: InterpretPlan, i: number, d: Uint8Array, o: number): number {
  const sig = plan.message.signals[i]!;
  const layout = plan.layouts[i]!;
  if (sig.valueType !== 'integer' || sig.length > 53) {
    const big = readRawBigInt(layout, d, o);
    if (sig.valueType === 'float32') {
      scratch.setUint32(0, Number(big));
      return scratch.getFloat32(0);
    }
    if (sig.valueType === 'float64') {
      scratch.setBigUint64(0, big);
      return scratch.getFloat64(0);
    }
    return Number(sig.signed ? BigInt.asIntN(sig.length, big) : big);
  }
  const raw = readRawUnsigned(layout, d, o);
  return sig.signed ? toSigned(raw, sig.length) : raw;
}

/**
 * Called for each signal that the frame carries (`raw` defined) or that it should carry but is
 * too short for (`raw` undefined). Signals of inactive multiplexer branches are not visited.
 */
export type SignalVisitor = (index: number, raw: number | undefined) => void;

/**
 * The reference decoder: walks the multiplexer tree with generic bit reads. Used for frames
 * shorter than the generated fast path needs, for the object-shaped output, and in tests as an
 * independent check of the generated code. Returns the number of missing signals.
 */
export function interpret(plan: InterpretPlan, d: Uint8Array, o: number, n: number, visit: SignalVisitor): number {
  let missing = 0;
  const walk = (nodes: MuxNode[]): void => {
    for (const node of nodes) {
      if (plan.layouts[node.index]!.bytesNeeded > n) {
        visit(node.index, undefined);
        missing++;
        continue; // a missing switch leaves its branches unknown, so none is visited
      }
      const raw = rawValue(plan, node.index, d, o);
      visit(node.index, raw);
      for (const b of node.branches) if (inRanges(b.ranges, raw)) walk(b.nodes);
    }
  };
  walk(plan.roots);
  return missing;
}
