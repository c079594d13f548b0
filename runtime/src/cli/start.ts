import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { UsageError, type CliCommand } from '../../../dbc/index.ts';
import { DEFAULT_CONFIG, loadCarConfig, type CarConfig } from '../config/car-config.ts';
import { dataDirFrom } from '../config/data-dir.ts';
import { attachApps } from '../app-host/index.ts';
import { linkAppsToCloud } from '../app-host/app-cloud.ts';
import { appRoutes } from '../http/app-routes.ts';
import { createHttpServer } from '../http/http-server.ts';
import { HmiServer } from '../hmi/hmi-server.ts';
import { cloudRoutes } from '../cloud/cloud-http.ts';
import { parseCloudUrl } from '../cloud/connection.ts';
import { attachCloud } from '../cloud/runtime-cloud.ts';
import { createLogger } from '../log.ts';
import { Runtime } from '../runtime.ts';

function applyOverrides(cfg: CarConfig, v: { port?: string; data?: string; scenario?: string; trace?: string }): CarConfig {
  const out = { ...cfg, http: { ...cfg.http }, buses: cfg.buses.map((b) => ({ ...b })) };
  if (v.port !== undefined) {
    const port = Number(v.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a TCP port, not '${v.port}'`);
    out.http.port = port;
  }
  // Where `app install` put the apps: --data, else $HEADUNIT_DATA, else the configuration's `data`.
  out.dataDir = dataDirFrom(v.data, process.env, cfg.dataDir);
  if (v.scenario !== undefined || v.trace !== undefined) {
    const fed = out.buses.find((b) => b.feed !== null);
    if (!fed) throw new UsageError('--scenario/--trace replace the feed of a fake: bus, and this configuration has none');
    fed.feed = v.scenario !== undefined ? { scenario: v.scenario, loop: true } : { trace: v.trace!, loop: true };
  }
  return out;
}

/** How a bus is fed, for the start banner. */
function feedNote(cfg: CarConfig, bus: string): string {
  const feed = cfg.buses.find((b) => b.name === bus)?.feed;
  if (!feed) return '';
  return ` (fed by ${feed.loop ? 'a looped ' : ''}${feed.trace !== undefined ? `trace ${feed.trace}` : 'scenario'})`;
}

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'run the head-unit runtime (default: the demo car on a looped synthetic drive)',
  help: `Usage: headunit start [--config FILE] [--port N] [--data DIR] [--cloud URL] [--scenario FILE | --trace FILE]

Runs the head-unit process: opens each configured bus, decodes every frame into VSS
signals, derives the vehicle state, and serves on http://HOST:PORT
  /health   /metrics (Prometheus)   /api/signals   /api/vehicle
  POST /api/actuators/<VSS path> {"value": ...}   (through the action policy)
With no --config it runs the embedded default (runtime/config/demo-car.json): the demo
EV fed by a looped synthetic commute. Logs are JSON lines on stderr. Ctrl-C stops
cleanly (links closed, exit 0).

Options:
  --config FILE     car configuration (JSON; see README "Car configuration")
  --port N          HTTP port (default 8080; 0 = any free port)
  --data DIR        data folder (default $HEADUNIT_DATA, else the configuration's "data",
                    else ~/.headunit)
  --cloud URL       cloud broker: mqtt://HOST:PORT or mqtts://HOST:PORT (default: an embedded
                    MQTT broker on a free loopback port; 'embedded:PORT' picks the port; 'off')
  --scenario FILE   play this synthetic scenario on the demo bus instead
  --trace FILE      play this trace (candump, ASC, TRC, BLF or CSV), looped, on the demo bus instead
  -h, --help        show this help`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { config: { type: 'string' }, port: { type: 'string' }, data: { type: 'string' }, scenario: { type: 'string' }, trace: { type: 'string' }, cloud: { type: 'string' } },
    });
    const t0 = performance.now();
    if (values.cloud !== undefined && values.cloud !== 'off' && !/^embedded(:\d+)?$/.test(values.cloud)) {
      try {
        parseCloudUrl(values.cloud);
      } catch (err) {
        throw new UsageError(`--cloud: ${(err as Error).message}`);
      }
    }
    const cfg = applyOverrides(loadCarConfig(values.config ?? DEFAULT_CONFIG), values);
    const log = createLogger(io.stderr);
    const rt = await Runtime.create(cfg, log);
    await rt.start();
    const cloudUrl = values.cloud ?? cfg.cloud?.url;
    const cloud = cloudUrl === 'off' ? null : await attachCloud(rt, { url: cloudUrl === 'mqtt://embedded' ? undefined : cloudUrl, dataDir: cfg.dataDir, log: log.child('cloud') });
    const apps = await attachApps(rt, { dataDir: cfg.dataDir, log: log.child('apps') });
    // Apps get their cloud channels and the signed `app` remote command (apps/*/README.md).
    if (cloud) linkAppsToCloud(apps, cloud.cloud);
    const hmi = await HmiServer.create(rt, { log: log.child('hmi'), apps });
    const server = createHttpServer(rt, [hmi.routes, appRoutes(apps), ...(cloud ? [cloudRoutes(cloud.cloud)] : [])]);
    hmi.attach(server);
    server.listen(cfg.http.port, cfg.http.host);
    try {
      await once(server, 'listening');
    } catch (err) {
      await hmi.close();
      await apps.stop();
      await cloud?.close();
      await rt.stop();
      const e = err as NodeJS.ErrnoException;
      throw Object.assign(new Error(`cannot serve on ${cfg.http.host}:${cfg.http.port}: ${e.code === 'EADDRINUSE' ? 'the port is in use (try --port)' : e.message}`), { code: e.code ?? 'LISTEN' });
    }
    // Listen for Ctrl-C before saying so: a signal that came between the banner and the
    // handler would kill the process without a clean stop.
    const stopSignal = new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : cfg.http.port;
    io.stdout.write(
      `headunit started in ${Math.round(performance.now() - t0)} ms (${cfg.file})\n` +
        rt.buses.map((b) => `  bus ${b.name}: ${b.link.url} ${b.pipeline.dbc.db.file}${feedNote(cfg, b.name)}\n`).join('') +
        `  ${rt.store.paths.length} VSS signals, ${rt.policy.actuators.length} actuators\n` +
        `  ${apps.apps.size} apps (${apps.list().map((a) => a.id).join(', ') || 'none installed'}), data in ${cfg.dataDir}\n` +
        `  http://${cfg.http.host}:${port}/  (the touchscreen HMI; health, metrics, api)\n` +
        (cloud ? `  cloud: ${cloud.url}${cloud.broker ? ' (embedded MQTT broker)' : ''} as vehicles/${rt.config.vehicleId}/...; privacy at /api/cloud\n` : '  cloud: off\n') +
        `Ctrl-C to stop.\n`,
    );
    const signal = await stopSignal;
    io.stderr.write(`\n${signal}: stopping\n`);
    await hmi.close();
    server.close();
    await apps.stop();
    await cloud?.close();
    await rt.stop();
    io.stdout.write('headunit stopped\n');
    return 0;
  },
};
