import { UsageError } from '../../../dbc/index.ts';
import { createLink, LinkUrlError, type CanLink, type LinkOptions } from '../../../firmware-bridge/index.ts';

/**
 * Creates the link a command's LINK argument names. A URL that breaks the grammar is bad usage
 * (exit 2, with the column); a link that cannot load or open is a runtime error (exit 1).
 * @throws UsageError for a malformed URL; BridgeError `LINK_UNAVAILABLE` from the registry.
 */
export async function createLinkArg(url: string, options: LinkOptions = {}): Promise<CanLink> {
  try {
    return await createLink(url, options);
  } catch (err) {
    if (err instanceof LinkUrlError) throw new UsageError(err.message);
    throw err;
  }
}
