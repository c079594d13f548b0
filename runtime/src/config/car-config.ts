import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKSUM_SCHEMES, type ChecksumScheme } from '../../../dbc/index.ts';
import { parseLinkUrl, LinkUrlError } from '../../../firmware-bridge/index.ts';
import { ConfigError } from '../errors.ts';
import { JsonReader, readJsonFile } from '../json-file.ts';
import { mappingDbcFile } from '../mapping/mapping.ts';

/** The embedded default: the demo car fed by a looped synthetic drive. */
export const DEFAULT_CONFIG = fileURLToPath(new URL('../../config/demo-car.json', import.meta.url));

export interface BusConfig {
  name: string;
  /** Link URL (socketcan:, slcan:, bridge:, fake:). */
  link: string;
  dbc: string;
  mapping: string;
  checksum: ChecksumScheme;
  /** For `fake:` links: what plays the bus (a synthetic scenario or a trace), looped or not. */
  feed: { scenario?: string; trace?: string; loop: boolean } | null;
}

export interface CarConfig {
  file: string;
  vehicleId: string;
  buses: BusConfig[];
  http: { host: string; port: number };
  dataDir: string;
  appsDir: string | null;
  cloud: { url: string } | null;
}

/**
 * Loads the car configuration (one JSON file; paths in it are relative to it):
 *
 * ```json
 * { "vehicleId": "demo-ev-0001",
 *   "buses": [{ "name": "pt", "link": "socketcan:can0", "mapping": "cars/demo-ev.vss.json",
 *               "checksum": "toyota", "dbc": "optional; default: the mapping's dbc" }],
 *   "http": { "host": "127.0.0.1", "port": 8080 }, "data": "~/.headunit",
 *   "apps": "apps", "cloud": { "url": "mqtt://embedded" } }
 * ```
 * @throws ConfigError naming the file and the JSON path of the first problem.
 */
export function loadCarConfig(file: string): CarConfig {
  const j: JsonReader = new JsonReader(file);
  const doc = j.object(readJsonFile(file), '$');
  j.onlyKeys(doc, ['description', 'vehicleId', 'buses', 'http', 'data', 'apps', 'cloud'], '$');
  const base = dirname(file);
  const path = (p: string): string => (p.startsWith('~/') ? resolve(homedir(), p.slice(2)) : resolve(base, p));
  const rawBuses = doc['buses'];
  if (!Array.isArray(rawBuses) || rawBuses.length === 0) j.fail('$.buses', 'expected a non-empty array of buses');
  const names = new Set<string>();
  const buses = rawBuses.map((raw, i): BusConfig => {
    const jp = `$.buses[${i}]`;
    const b = j.object(raw, jp);
    j.onlyKeys(b, ['name', 'link', 'dbc', 'mapping', 'checksum', 'feed'], jp);
    const name = j.string(b['name'], `${jp}.name`);
    if (names.has(name)) j.fail(`${jp}.name`, `bus ${name} is defined twice`);
    names.add(name);
    const link = j.string(b['link'], `${jp}.link`);
    try {
      parseLinkUrl(link);
    } catch (err) {
      if (err instanceof LinkUrlError) j.fail(`${jp}.link`, err.message);
      throw err;
    }
    const mapping = path(j.string(b['mapping'], `${jp}.mapping`));
    const checksum = (b['checksum'] ?? 'none') as ChecksumScheme;
    if (!CHECKSUM_SCHEMES.includes(checksum)) j.fail(`${jp}.checksum`, `expected one of ${CHECKSUM_SCHEMES.join(', ')}`);
    let feed: BusConfig['feed'] = null;
    if (b['feed'] !== undefined) {
      const f = j.object(b['feed'], `${jp}.feed`);
      j.onlyKeys(f, ['scenario', 'trace', 'loop'], `${jp}.feed`);
      if (!link.startsWith('fake:')) j.fail(`${jp}.feed`, 'a feed plays a fake: link; real links are fed by the car');
      if ((f['scenario'] === undefined) === (f['trace'] === undefined)) j.fail(`${jp}.feed`, "give either 'scenario' or 'trace'");
      feed = {
        ...(f['scenario'] !== undefined ? { scenario: path(j.string(f['scenario'], `${jp}.feed.scenario`)) } : {}),
        ...(f['trace'] !== undefined ? { trace: path(j.string(f['trace'], `${jp}.feed.trace`)) } : {}),
        loop: f['loop'] !== false,
      };
    }
    let dbc: string;
    try {
      dbc = b['dbc'] !== undefined ? path(j.string(b['dbc'], `${jp}.dbc`)) : mappingDbcFile(mapping);
    } catch (err) {
      if (err instanceof ConfigError && err.file !== file) j.fail(`${jp}.mapping`, err.message);
      throw err;
    }
    return { name, link, mapping, checksum, feed, dbc };
  });
  const http = doc['http'] === undefined ? {} : j.object(doc['http'], '$.http');
  const port = http['port'] === undefined ? 8080 : j.number(http['port'], '$.http.port', 0);
  if (!Number.isInteger(port) || port > 65535) j.fail('$.http.port', 'expected a TCP port 0..65535');
  const cloud = doc['cloud'] === undefined || doc['cloud'] === null ? null : { url: j.string(j.object(doc['cloud'], '$.cloud')['url'], '$.cloud.url') };
  return {
    file,
    vehicleId: j.string(doc['vehicleId'], '$.vehicleId'),
    buses,
    http: { host: http['host'] === undefined ? '127.0.0.1' : j.string(http['host'], '$.http.host'), port },
    dataDir: path(doc['data'] === undefined ? '~/.headunit' : j.string(doc['data'], '$.data')),
    appsDir: doc['apps'] === undefined ? null : path(j.string(doc['apps'], '$.apps')),
    cloud,
  };
}
