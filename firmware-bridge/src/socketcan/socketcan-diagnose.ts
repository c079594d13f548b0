import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LinkOpenCode } from '../errors.ts';

/** `/sys/class/net/<if>/type` of a CAN interface (ARPHRD_CAN). */
const ARPHRD_CAN = 280;
/** Interface flag: administratively up. */
const IFF_UP = 0x1;
/** MTU of an interface that carries CAN FD frames (sizeof(struct canfd_frame)). */
export const CANFD_MTU = 72;

/** What the kernel says about an interface, read from /proc and /sys (root injectable for tests). */
export interface InterfaceFacts {
  /** /proc/net/can exists: the kernel has AF_CAN (built in or loaded). */
  canSupport: boolean;
  exists: boolean;
  isCan: boolean;
  up: boolean;
  mtu: number | null;
}

/** A sysfs number: decimal, or hex with 0x (the `flags` file). Null when unreadable. */
function readNumber(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
  const n = /^0x/i.test(text) ? Number.parseInt(text.slice(2), 16) : Number.parseInt(text, 10);
  return Number.isNaN(n) ? null : n;
}

export function interfaceFacts(ifname: string, root = '/'): InterfaceFacts {
  const dir = join(root, 'sys/class/net', ifname);
  const exists = existsSync(dir);
  const flags = exists ? readNumber(join(dir, 'flags')) : null;
  return {
    canSupport: existsSync(join(root, 'proc/net/can')),
    exists,
    isCan: exists && readNumber(join(dir, 'type')) === ARPHRD_CAN,
    up: flags !== null && (flags & IFF_UP) !== 0,
    mtu: exists ? readNumber(join(dir, 'mtu')) : null,
  };
}

/**
 * Says why a SocketCAN channel could not open or should not be used. The `socketcan` addon
 * throws "Error while creating channel" for every cause, so we ask the kernel ourselves, from
 * the most fundamental cause down. Returns null when nothing is wrong.
 */
export function diagnose(ifname: string, facts: InterfaceFacts): { code: LinkOpenCode; message: string } | null {
  if (!facts.canSupport) {
    return { code: 'NO_CAN_SUPPORT', message: 'this kernel has no CAN support (AF_CAN is not available: no /proc/net/can; load the can and can_raw modules or use a kernel with CONFIG_CAN)' };
  }
  if (!facts.exists) return { code: 'NO_SUCH_INTERFACE', message: `no network interface named ${ifname} (nothing at /sys/class/net/${ifname}; see \`ip link\`)` };
  if (!facts.isCan) return { code: 'NO_SUCH_INTERFACE', message: `${ifname} is not a CAN interface` };
  if (!facts.up) return { code: 'INTERFACE_DOWN', message: `interface ${ifname} is down (bring it up: ip link set ${ifname} up)` };
  return null;
}
