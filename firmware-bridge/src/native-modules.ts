/**
 * The native parts the links stand on, loaded on first use so that a machine without one (no
 * `socketcan` build, no serialport prebuild for its platform) still runs every other link.
 */
import type { BindingInterface } from '@serialport/bindings-cpp';
import { createRequire } from 'node:module';
import type { SocketCanAddon } from './socketcan/socketcan-link.ts';

let serialBinding: Promise<BindingInterface> | null = null;

/**
 * The platform's serial binding (`@serialport/bindings-cpp` autoDetect()), loaded once.
 * @throws whatever loading the addon throws (module missing, no prebuild, ABI mismatch); the
 *   registry turns it into BridgeError `LINK_UNAVAILABLE`.
 */
export function loadSerialBinding(): Promise<BindingInterface> {
  serialBinding ??= import('@serialport/bindings-cpp').then((m) => m.autoDetect() as BindingInterface);
  // A failed load is not cached: the user may install the missing part and retry in-process.
  serialBinding.catch(() => (serialBinding = null));
  return serialBinding;
}

/**
 * The `socketcan` addon (raw CAN sockets). Loading it needs no CAN support in the kernel; that
 * is checked when a link opens.
 * @throws whatever `require('socketcan')` throws.
 */
export function loadSocketCanAddon(): SocketCanAddon {
  return createRequire(import.meta.url)('socketcan') as SocketCanAddon;
}
