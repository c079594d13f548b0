/**
 * headunit links to the car's buses: one `CanLink` interface over SocketCAN, SLCAN serial
 * adapters and the framed UART bridge to the vehicle-interface MCU. This file is the package's
 * whole public surface.
 */
export type { CanLink, LinkCounters, LinkEvents, LinkOptions, LinkState, OutgoingFrame, TxAllowList } from './src/link.ts';
export { txKey } from './src/link.ts';
export * from './src/errors.ts';
export { parseLinkUrl, parseBitrate, LINK_SCHEMES, type LinkUrl, type LinkScheme } from './src/link-url.ts';
export { createLink } from './src/registry.ts';
export { FakeLink } from './src/fake-link.ts';
export { LinkBase, DEFAULT_RX_QUEUE_FRAMES } from './src/link-base.ts';
export { FrameQueue } from './src/frame-queue.ts';
