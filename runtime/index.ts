/**
 * The headunit runtime's public surface for the other folders (apps' tests, scripts): the
 * runtime itself, its configuration, the app host and cloud sync as `headunit start` wires them.
 */
export { Runtime } from './src/runtime.ts';
export { DEFAULT_CONFIG, loadCarConfig, type CarConfig } from './src/config/car-config.ts';
export { createLogger, memoryLogger, type Logger } from './src/log.ts';
export type { ActionDecision } from './src/action-policy/action-policy.ts';
export { attachApps, AppHost, type AppSummary } from './src/app-host/index.ts';
export { APP_COMMAND, linkAppsToCloud } from './src/app-host/app-cloud.ts';
export type { LedgerRecord } from './src/app-host/ledger/ledger.ts';
export { attachCloud, cloudDir, trustedKeysFile, type RuntimeCloud } from './src/cloud/runtime-cloud.ts';
export { signCommand, type SignedCommand } from './src/cloud/command-signing.ts';
export { startEmbeddedBroker, type EmbeddedBroker } from './src/cloud/embedded-broker.ts';
export { Mosquitto } from './src/cloud/testing/mosquitto.ts';
