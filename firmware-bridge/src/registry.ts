import { BridgeError } from './errors.ts';
import { createFakeLink } from './fake-link.ts';
import type { CanLink, LinkOptions } from './link.ts';
import { parseLinkUrl, type LinkScheme, type LinkUrl } from './link-url.ts';

/** Makes a link from a parsed URL. Each kind lives in its own folder and loads only when used. */
export type LinkFactory = (url: LinkUrl, options: LinkOptions) => CanLink;

/**
 * Link kind → lazy factory (cf. python-can's BACKENDS). A kind whose native module cannot load
 * (no `socketcan` build, no serialport binding) fails with a typed error naming it.
 */
const FACTORIES: Partial<Record<LinkScheme, () => Promise<LinkFactory>>> = {
  // Static, not lazy: the fake has no native parts, and one module instance keeps
  // `instanceof FakeLink` true under every loader (tsx's CJS hook duplicates lazily imported modules).
  fake: async () => createFakeLink,
  socketcan: async () => (await import('./socketcan/socketcan-link.ts')).createSocketCanLink,
};

/**
 * Creates (does not open) the link a URL names.
 * @throws LinkUrlError for a malformed URL; BridgeError `LINK_UNAVAILABLE` when its kind cannot load.
 */
export async function createLink(url: string, options: LinkOptions = {}): Promise<CanLink> {
  const parsed = parseLinkUrl(url);
  const load = FACTORIES[parsed.scheme];
  if (!load) throw new BridgeError(`${url}: no ${parsed.scheme} link in this build`, 'LINK_UNAVAILABLE', url);
  let factory: LinkFactory;
  try {
    factory = await load();
  } catch (err) {
    throw new BridgeError(`${url}: the ${parsed.scheme} link cannot load: ${(err as Error).message}`, 'LINK_UNAVAILABLE', url, { cause: err });
  }
  const bus = parsed.params.get('bus');
  return factory(parsed, bus === undefined ? options : { ...options, bus });
}
