/**
 * headunit links to the car's buses: one `CanLink` interface over SocketCAN, SLCAN serial
 * adapters and the framed UART bridge to the vehicle-interface MCU. This file is the package's
 * whole public surface.
 */
export type { CanLink, LinkCounters, LinkEvents, LinkOptions, LinkState, OutgoingFrame, TxAllowList } from './src/link.ts';
export { txKey } from './src/link.ts';
export * from './src/errors.ts';
export { parseLinkUrl, parseBitrate, LINK_SCHEMES, type LinkUrl, type LinkScheme } from './src/link-url.ts';
export { createLink, LINK_LOADERS, type LinkFactory, type LinkLoader } from './src/registry.ts';
export { SocketCanLink } from './src/socketcan/socketcan-link.ts';
export { SlcanLink, type SlcanIdentity } from './src/slcan/slcan-link.ts';
export { UartBridgeLink } from './src/uart/uart-bridge-link.ts';
export type { UartBridgeStats } from './src/uart/bridge-stats.ts';
export { BridgeNackError, BridgeFramingError, McuFaultError } from './src/uart/bridge-errors.ts';
export { FakeLink } from './src/fake-link.ts';
export { LinkBase, DEFAULT_RX_QUEUE_FRAMES } from './src/link-base.ts';
export { FrameQueue } from './src/frame-queue.ts';
