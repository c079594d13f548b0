import type { Runtime } from '../runtime.ts';

/** Escapes a Prometheus label value. */
const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The runtime's metrics in the Prometheus text exposition format (version 0.0.4). */
export function prometheusText(rt: Runtime): string {
  const out: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: [Record<string, string>, number][]): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) {
      const l = Object.entries(labels).map(([k, x]) => `${k}="${label(x)}"`).join(',');
      out.push(`${name}${l ? `{${l}}` : ''} ${Number.isFinite(v) ? v : 'NaN'}`);
    }
  };
  const perBus = (f: (b: Runtime['buses'][number]) => number): [Record<string, string>, number][] => rt.buses.map((b) => [{ bus: b.name }, f(b)]);
  metric('headunit_frames_total', 'counter', 'Frames received per bus.', perBus((b) => b.pipeline.counters.frames));
  metric('headunit_unknown_id_frames_total', 'counter', 'Frames whose id the DBC does not define.', perBus((b) => b.pipeline.counters.unknownIds));
  metric('headunit_checksum_errors_total', 'counter', 'Frames that failed their checksum.', perBus((b) => b.pipeline.counters.badChecksum));
  metric('headunit_counter_errors_total', 'counter', 'Frames whose rolling counter skipped or repeated.', perBus((b) => b.pipeline.counters.badCounter));
  metric('headunit_truncated_frames_total', 'counter', 'Frames shorter than their message.', perBus((b) => b.pipeline.counters.truncated));
  metric('headunit_stale_messages', 'gauge', 'Messages currently timed out.', perBus((b) => b.pipeline.counters.staleMessages));
  metric('headunit_decode_seconds_total', 'counter', 'Time spent decoding and mapping frames.', perBus((b) => b.pipeline.counters.decodeNs / 1e9));
  metric('headunit_link_rx_overflows_total', 'counter', 'Frames lost because the reader fell behind.', perBus((b) => b.link.counters.rxOverflows));
  metric('headunit_link_rx_errors_total', 'counter', 'Malformed input a link discarded.', perBus((b) => b.link.counters.rxErrors));
  metric('headunit_link_bus_errors_total', 'counter', 'Error frames seen on the bus.', perBus((b) => b.link.counters.busErrors));
  metric('headunit_link_tx_frames_total', 'counter', 'Frames sent (actuator requests).', perBus((b) => b.link.counters.txFrames));
  metric('headunit_link_up', 'gauge', '1 when the link is open.', perBus((b) => (b.link.state === 'open' ? 1 : 0)));
  metric('headunit_event_loop_lag_seconds', 'gauge', 'Event-loop lag percentiles since start.', [
    [{ quantile: '0.5' }, rt.loopLagSeconds(50)],
    [{ quantile: '0.99' }, rt.loopLagSeconds(99)],
    [{ quantile: '1' }, rt.loopLagSeconds(100)],
  ]);
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  metric('headunit_process_resident_memory_bytes', 'gauge', 'Resident set size.', [[{}, mem.rss]]);
  metric('headunit_process_heap_used_bytes', 'gauge', 'V8 heap in use.', [[{}, mem.heapUsed]]);
  metric('headunit_process_cpu_seconds_total', 'counter', 'CPU time (user + system).', [[{}, (cpu.user + cpu.system) / 1e6]]);
  metric('headunit_subscriptions', 'gauge', 'Active signal subscriptions.', [[{}, rt.store.subscriptionCount]]);
  return out.join('\n') + '\n' + rt.metricSources.map((f) => f()).join('');
}
