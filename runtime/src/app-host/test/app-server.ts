import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_CONFIG, loadCarConfig } from '../../config/car-config.ts';
import { appRoutes } from '../../http/app-routes.ts';
import { createHttpServer } from '../../http/http-server.ts';
import { memoryLogger } from '../../log.ts';
import { Runtime } from '../../runtime.ts';
import type { AppHost } from '../app-host.ts';
import { attachApps } from '../runtime-apps.ts';
import type { SandboxLimits } from '../sandbox/protocol.ts';

/** The demo car's runtime with its apps and the app HTTP routes on a free port (tests). */
export interface AppServer {
  rt: Runtime;
  host: AppHost;
  /** `http://127.0.0.1:PORT` */
  base: string;
  stop(): Promise<void>;
}

/** Starts it with its data under `dir/data` and, when given, system apps from `appsDir`. */
export async function startAppServer(dir: string, o: { appsDir?: string; limits?: Partial<SandboxLimits> } = {}): Promise<AppServer> {
  const cfg = { ...loadCarConfig(DEFAULT_CONFIG), dataDir: join(dir, 'data'), appsDir: o.appsDir ?? null };
  const rt = await Runtime.create(cfg, memoryLogger());
  await rt.start();
  const host = await attachApps(rt, { dataDir: cfg.dataDir, log: memoryLogger(), ...(o.limits ? { limits: o.limits } : {}) });
  const server = createHttpServer(rt, [appRoutes(host)]).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    rt,
    host,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      server.close();
      await host.stop();
      await rt.stop();
    },
  };
}

/** Polls `f` until it returns something truthy, and returns that; throws after `ms`. */
export async function until<T>(f: () => T | undefined | false | null, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
