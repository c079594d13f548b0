import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import type { Runtime } from '../runtime.ts';
import { CLOUD_ACTUATORS, CLOUD_CALLER } from './builtin-commands.ts';
import { cloudMetricsText } from './cloud-metrics.ts';
import { CloudSync, type CloudSyncOptions } from './cloud-sync.ts';
import { loadTrustedKeys } from './command-signing.ts';
import { parseCloudUrl } from './connection.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.ts';

/** Where cloud sync keeps its files below the data folder. */
export function cloudDir(dataDir: string): string {
  return join(dataDir, 'cloud');
}

/** The trusted command keys file (`headunit cloud keygen` adds to it). */
export function trustedKeysFile(dataDir: string): string {
  return join(cloudDir(dataDir), 'trusted-keys.json');
}

/** The file where `headunit start` writes the broker URL it uses (read by `headunit cloud command`). */
export function brokerUrlFile(dataDir: string): string {
  return join(cloudDir(dataDir), 'broker-url');
}

export interface RuntimeCloud {
  cloud: CloudSync;
  /** The embedded broker when no external one was given. */
  broker: EmbeddedBroker | null;
  url: string;
  close(): Promise<void>;
}

/**
 * Gives a runtime its cloud: an external broker (`mqtt://` / `mqtts://` URL) or, when `url` is
 * `embedded` / `embedded:PORT` / absent, an aedes broker on loopback. Grants the cloud the
 * built-in commands' actuators (still subject to every policy rule), adds the cloud's figures
 * to `/metrics`, and starts syncing.
 * @throws CloudUrlError / ConfigError (trusted keys file)
 */
export async function attachCloud(
  rt: Runtime,
  o: { url?: string | undefined; dataDir: string; log: Logger } & Partial<Pick<CloudSyncOptions, 'tls' | 'protocol' | 'telemetry' | 'outbox' | 'backoff' | 'durability' | 'keepaliveS' | 'connectTimeoutMs'>>,
): Promise<RuntimeCloud> {
  const embedded = o.url === undefined || o.url === 'embedded' || o.url.startsWith('embedded:');
  if (!embedded) parseCloudUrl(o.url!);
  const keys = loadTrustedKeys(trustedKeysFile(o.dataDir));
  const broker = embedded ? await startEmbeddedBroker({ port: o.url?.startsWith('embedded:') ? Number(o.url.slice(9)) : 0 }) : null;
  const url = broker ? broker.url : o.url!;
  const mappings = new Map(rt.buses.flatMap((b) => b.mapping.signals.map((m) => [m.path, m.toVss] as const)));
  const cloud = new CloudSync({
    ...o,
    url,
    vehicleId: rt.config.vehicleId,
    dbFile: join(cloudDir(o.dataDir), 'cloud.db'),
    store: rt.store,
    toVss: (p) => mappings.get(p) ?? null,
    policy: rt.policy,
    vehicle: rt.vehicle,
    trustedKeys: keys,
    reloadTrustedKeys: () => loadTrustedKeys(trustedKeysFile(o.dataDir)),
    log: o.log,
  });
  rt.grants.set(CLOUD_CALLER, (path) => CLOUD_ACTUATORS.includes(path));
  const metrics = (): string => cloudMetricsText(cloud.stats());
  rt.metricSources.push(metrics);
  mkdirSync(cloudDir(o.dataDir), { recursive: true });
  writeFileSync(brokerUrlFile(o.dataDir), `${url}\n`);
  cloud.start();
  let closing: Promise<void> | null = null;
  return {
    cloud,
    broker,
    url,
    close: () =>
      (closing ??= (async () => {
        rt.grants.delete(CLOUD_CALLER);
        const at = rt.metricSources.indexOf(metrics);
        if (at >= 0) rt.metricSources.splice(at, 1);
        await cloud.stop();
        await broker?.close();
      })()),
  };
}
