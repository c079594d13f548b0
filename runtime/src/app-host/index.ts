/**
 * The app platform (issue #6): manifests, permission tiers, the QuickJS sandbox in a worker,
 * the audit ledger, signed `.hua` packages, the app host wired into the runtime, and the
 * `headunit app ...` / `headunit ledger` commands.
 */
export { appBuildCommand, appKeygenCommand, appNewCommand, appPackCommand, appSignCommand } from './toolchain/dev-commands.ts';
export { appInstallCommand, appListCommand, appLogsCommand, appRemoveCommand, appTrustCommand, ledgerCommand } from './toolchain/store-commands.ts';
export { buildApp } from './toolchain/build.ts';
export { appDevCommand } from './toolchain/dev-command.ts';
export { dataDirFrom, openAppState, type AppState } from './app-state.ts';
export { AppSandbox, type SandboxEvent } from './sandbox/app-sandbox.ts';
export { DEFAULT_LIMITS, type AppSpec, type SandboxLimits, type AppMetrics } from './sandbox/protocol.ts';
export { parseManifest, loadManifestFile, type AppManifest } from './manifest/manifest.ts';
export { declaredPermissions, signalTier, type PermissionTier, type GrantState } from './permissions/tiers.ts';
export { AppError, ManifestError, PackageError, PermissionError, BuildError } from './errors.ts';
export type { LedgerRecord } from './ledger/ledger.ts';
export { AppHost, type AppSummary, type AppHostDeps } from './app-host.ts';
export { attachApps } from './runtime-apps.ts';
export type { AppCloudLink } from './host-requests.ts';
