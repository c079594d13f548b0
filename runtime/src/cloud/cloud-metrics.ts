import type { CloudStats } from './cloud-sync.ts';

type Sample = [Record<string, string>, number];

/** Cloud sync's figures in the Prometheus text format (appended to the runtime's `/metrics`). */
export function cloudMetricsText(s: CloudStats): string {
  const out: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) {
      const l = Object.entries(labels).map(([k, x]) => `${k}="${x}"`).join(',');
      out.push(`${name}${l ? `{${l}}` : ''} ${v}`);
    }
  };
  const o = s.outbox;
  metric('headunit_cloud_connected', 'gauge', '1 while connected to the cloud broker.', [[{ protocol: s.protocol }, s.connected ? 1 : 0]]);
  metric('headunit_cloud_connects_total', 'counter', 'Sessions established with the broker.', [[{}, s.connection.connects]]);
  metric('headunit_cloud_disconnects_total', 'counter', 'Sessions lost.', [[{}, s.connection.disconnects]]);
  metric('headunit_cloud_outbox_messages', 'gauge', 'Messages waiting in the outbox (including in flight).', [[{}, o.messages]]);
  metric('headunit_cloud_outbox_bytes', 'gauge', 'Payload bytes waiting in the outbox.', [[{}, o.bytes]]);
  metric('headunit_cloud_outbox_max_bytes', 'gauge', 'The outbox bound.', [[{}, o.maxBytes]]);
  metric('headunit_cloud_outbox_in_flight', 'gauge', 'Messages published and not yet acknowledged.', [[{}, o.inFlight]]);
  metric('headunit_cloud_outbox_enqueued_total', 'counter', 'Messages accepted into the outbox.', [[{}, o.enqueued]]);
  metric('headunit_cloud_outbox_acked_total', 'counter', 'Messages the broker acknowledged (removed from the outbox).', [[{}, o.acked]]);
  metric('headunit_cloud_outbox_dropped_total', 'counter', 'Messages dropped or refused because the outbox was full.', Object.entries(o.dropped).map(([kind, n]): Sample => [{ kind }, n]));
  metric('headunit_cloud_outbox_expired_total', 'counter', 'Messages expired unsent.', [[{}, o.expired]]);
  metric('headunit_cloud_outbox_purged_total', 'counter', 'Messages removed unsent when consent was revoked.', [[{}, o.purged]]);
  metric('headunit_cloud_outbox_rejected_total', 'counter', 'Messages the broker refused (PUBACK reason >= 0x80).', [[{}, o.rejected]]);
  metric('headunit_cloud_telemetry_samples_total', 'counter', 'Samples taken for telemetry.', [[{}, s.telemetry.samples]]);
  metric('headunit_cloud_telemetry_withheld_total', 'counter', 'Samples not taken for lack of consent.', [[{}, s.telemetry.withheld]]);
  metric('headunit_cloud_commands_total', 'counter', 'Remote commands by outcome.', [
    [{ status: 'done' }, s.commands.done],
    [{ status: 'refused' }, s.commands.refused],
    [{ status: 'failed' }, s.commands.failed],
  ]);
  metric('headunit_cloud_commands_refused_total', 'counter', 'Refused remote commands by reason.', Object.entries(s.commands.refusedByReason).map(([reason, n]): Sample => [{ reason }, n]));
  return out.join('\n') + '\n';
}
