import { BridgeError } from './errors.ts';
import { createFakeLink } from './fake-link.ts';
import type { CanLink, LinkOptions } from './link.ts';
import { parseLinkUrl, type LinkScheme, type LinkUrl } from './link-url.ts';
import { loadSerialBinding, loadSocketCanAddon } from './native-modules.ts';
import { createSlcanLink } from './slcan/slcan-link.ts';
import { createSocketCanLink } from './socketcan/socketcan-link.ts';
import { createUartBridgeLink } from './uart/uart-bridge-link.ts';

/** Makes a (closed) link of one kind from a parsed URL. */
export type LinkFactory = (url: LinkUrl, options: LinkOptions) => CanLink;

/** Readies one link kind: loads the native part it needs. Rejects when that cannot load. */
export type LinkLoader = () => Promise<LinkFactory>;

/**
 * Link kind → loader (cf. python-can's BACKENDS). The native addons (`socketcan`, the serialport
 * binding) load only when a URL of their kind is first used, so a machine without one still runs
 * every other kind. The link classes themselves are plain TypeScript, imported statically: one
 * module instance keeps `instanceof SlcanLink` true under every loader (tsx's CJS hook duplicates
 * lazily imported modules).
 */
export const LINK_LOADERS: Readonly<Record<LinkScheme, LinkLoader>> = {
  fake: async () => createFakeLink,
  socketcan: async () => {
    const addon = loadSocketCanAddon();
    return (url, options) => createSocketCanLink(url, options, addon);
  },
  slcan: async () => {
    const binding = await loadSerialBinding();
    return (url, options) => createSlcanLink(url, options, binding);
  },
  bridge: async () => {
    const binding = await loadSerialBinding();
    return (url, options) => createUartBridgeLink(url, options, binding);
  },
};

/**
 * Creates (does not open) the link a URL names: `socketcan:can0`, `slcan:/dev/ttyACM0@500k`,
 * `bridge:/dev/ttyS1`, `fake:bench` (grammar in link-url.ts). A `bus=` parameter names the bus.
 * @param loaders the kinds this call may use (default LINK_LOADERS; tests and embedders swap some)
 * @throws LinkUrlError for a malformed URL or a parameter its kind does not accept;
 *   BridgeError `LINK_UNAVAILABLE` when the kind's native addon cannot load.
 */
export async function createLink(url: string, options: LinkOptions = {}, loaders: Readonly<Record<LinkScheme, LinkLoader>> = LINK_LOADERS): Promise<CanLink> {
  const parsed = parseLinkUrl(url);
  let factory: LinkFactory;
  try {
    factory = await loaders[parsed.scheme]();
  } catch (err) {
    throw new BridgeError(`${url}: the ${parsed.scheme} link cannot load: ${(err as Error).message}`, 'LINK_UNAVAILABLE', url, { cause: err });
  }
  const bus = parsed.params.get('bus');
  return factory(parsed, bus === undefined ? options : { ...options, bus });
}
