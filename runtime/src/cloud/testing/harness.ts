import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, loadCarConfig } from '../../config/car-config.ts';
import { memoryLogger } from '../../log.ts';
import { Runtime } from '../../runtime.ts';
import type { CloudSyncOptions } from '../cloud-sync.ts';
import { attachCloud, cloudDir, trustedKeysFile, type RuntimeCloud } from '../runtime-cloud.ts';

const SCENARIOS = fileURLToPath(new URL('../../../../sim/scenarios/', import.meta.url));
const DBC = fileURLToPath(new URL('../../../../dbc/vehicles/demo-ev.dbc', import.meta.url));

/** The owner's key pair that the harness's car trusts (kid `owner`). */
export const OWNER = generateKeyPairSync('ed25519');

/** A scenario file in `dir`: the demo car standing parked, or driving at 50 km/h. */
function scenario(dir: string, kind: 'parked' | 'driving'): string {
  const base = JSON.parse(readFileSync(join(SCENARIOS, 'parked-delivery.json'), 'utf8')) as { dbc: string; tracks: Record<string, unknown>; durationS: number };
  base.dbc = DBC;
  base.durationS = 3600;
  if (kind === 'driving') {
    base.tracks['VCU_Drive.IgnitionState'] = [[0, 'ON']];
    base.tracks['VCU_Drive.Gear'] = [[0, 'D']];
    base.tracks['VCU_Drive.VehicleSpeed'] = [[0, 50]];
  } else {
    base.tracks['VCU_Drive.IgnitionState'] = [[0, 'ON']];
  }
  const file = join(dir, `${kind}.json`);
  writeFileSync(file, JSON.stringify(base));
  return file;
}

/**
 * The demo car's runtime with cloud sync attached, for tests: data in `dir`, the owner key
 * trusted, fed by a parked or a driving scenario.
 */
export async function carWithCloud(
  dir: string,
  o: { url?: string; kind?: 'parked' | 'driving'; ownerKey?: KeyObject } & Partial<Pick<CloudSyncOptions, 'telemetry' | 'outbox' | 'protocol' | 'backoff' | 'keepaliveS' | 'connectTimeoutMs'>> = {},
): Promise<{ rt: Runtime; rc: RuntimeCloud; log: ReturnType<typeof memoryLogger>; close: () => Promise<void> }> {
  mkdirSync(cloudDir(dir), { recursive: true });
  writeFileSync(trustedKeysFile(dir), JSON.stringify([{ kid: 'owner', role: 'owner', publicKey: (o.ownerKey ?? OWNER.publicKey).export({ type: 'spki', format: 'pem' }) }]));
  const cfg = loadCarConfig(DEFAULT_CONFIG);
  const car = { ...cfg, dataDir: dir, buses: cfg.buses.map((b) => ({ ...b, feed: { scenario: scenario(dir, o.kind ?? 'parked'), loop: true } })) };
  const log = memoryLogger();
  const rt = await Runtime.create(car, log);
  await rt.start();
  const rc = await attachCloud(rt, { url: o.url, dataDir: dir, log: log.child('cloud'), backoff: o.backoff ?? { initialMs: 100, maxMs: 1000 }, ...(o.telemetry ? { telemetry: o.telemetry } : {}), ...(o.outbox ? { outbox: o.outbox } : {}), ...(o.protocol ? { protocol: o.protocol } : {}), ...(o.keepaliveS ? { keepaliveS: o.keepaliveS } : {}), ...(o.connectTimeoutMs ? { connectTimeoutMs: o.connectTimeoutMs } : {}) });
  return {
    rt,
    rc,
    log,
    close: async () => {
      await rc.close();
      await rt.stop();
    },
  };
}
