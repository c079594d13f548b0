// Measures what a piece of code allocates on the JS heap, for the benchmarks' "per-frame
// allocation" figures: V8's sampling heap profiler (through node:inspector), told to keep the
// samples of objects that the young- and old-generation collectors already freed, so short-lived
// garbage counts too. The result is V8's estimate of bytes allocated, by function.
import { Session } from 'node:inspector/promises';

/** Sample every this many bytes on average (small: the figures are per frame). */
const SAMPLING_INTERVAL = 128;

export interface AllocationReport {
  /** Estimated bytes allocated while `fn` ran. */
  bytes: number;
  /** Bytes by allocation site (`function (file)`), largest first. */
  sites: [string, number][];
}

interface ProfileNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: ProfileNode[];
}

/** Runs `fn` (sync or async) under the sampling heap profiler and reports what it allocated. */
export async function sampleAllocations(fn: () => unknown): Promise<AllocationReport> {
  const session = new Session();
  session.connect();
  // The two include* flags are newer than @types/node's protocol types.
  const post = session.post.bind(session) as (method: string, params?: object) => Promise<unknown>;
  try {
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', { samplingInterval: SAMPLING_INTERVAL, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    await fn();
    const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
    const bySite = new Map<string, number>();
    const walk = (n: ProfileNode): void => {
      if (n.selfSize > 0) {
        // Function and file only: line numbers of tsx-compiled modules do not match the sources.
        const site = `${n.callFrame.functionName || '(top level)'} (${n.callFrame.url.replace(/^.*\//, '') || 'native'})`;
        bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
      }
      n.children.forEach(walk);
    };
    walk(profile.head);
    const sites = [...bySite].sort((a, b) => b[1] - a[1]);
    return { bytes: sites.reduce((sum, [, b]) => sum + b, 0), sites };
  } finally {
    await post('HeapProfiler.disable').catch(() => undefined);
    session.disconnect();
  }
}

/** One line per site above `minShare` of the total, as `bytes/frame  site`. */
export function formatSites(report: AllocationReport, frames: number, minShare = 0.02): string[] {
  return report.sites
    .filter(([, b]) => b >= report.bytes * minShare)
    .map(([site, b]) => `      ${(b / frames).toFixed(1).padStart(7)} B/frame  ${site}`);
}
