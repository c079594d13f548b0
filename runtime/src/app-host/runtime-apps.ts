import type { Logger } from '../log.ts';
import type { Runtime } from '../runtime.ts';
import { AppHost } from './app-host.ts';
import type { SandboxLimits } from './sandbox/protocol.ts';

/**
 * Gives a runtime its apps: starts the app host on the runtime's store, vehicle state and action
 * policy (apps' actuator grants registered in `rt.grants`), loads the installed apps and the
 * configuration's apps folder, and adds the per-app figures to `/metrics`.
 */
export async function attachApps(rt: Runtime, o: { dataDir: string; log: Logger; limits?: Partial<SandboxLimits>; liveLogs?: boolean }): Promise<AppHost> {
  const mappings = new Map(rt.buses.flatMap((b) => b.mapping.signals.map((m) => [m.path, m.toVss] as const)));
  const host = await AppHost.start({
    store: rt.store,
    vehicle: rt.vehicle,
    policy: rt.policy,
    grants: rt.grants,
    toVss: (p) => mappings.get(p) ?? null,
    vss: rt.vss,
    dataDir: o.dataDir,
    log: o.log,
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.liveLogs ? { liveLogs: true } : {}),
  });
  rt.metricSources.push(() => host.metricsText());
  host.loadInstalled();
  if (rt.config.appsDir) await host.loadFolder(rt.config.appsDir);
  return host;
}
