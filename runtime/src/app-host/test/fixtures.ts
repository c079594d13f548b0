import type { AppManifest, AppPermissions } from '../manifest/manifest.ts';
import { declaredPermissions, initialState, type GrantState } from '../permissions/tiers.ts';
import { DEFAULT_LIMITS, type AppSpec, type SandboxLimits } from '../sandbox/protocol.ts';

/** A manifest for tests: id `test.<name>`, the permissions given, the rest defaulted. */
export function testManifest(name: string, perms: Partial<AppPermissions> = {}): AppManifest {
  return {
    id: `test.${name}`,
    name,
    version: '1.0.0',
    publisher: 'Test',
    description: '',
    entry: 'src/main.ts',
    icon: null,
    permissions: { signals: [], actuators: [], notifications: false, ui: [], cloud: [], network: [], storageKb: 0, background: false, ...perms },
  };
}

/** An app spec with the install-time grants (`trusted` decides privileged ones) and `override` applied. */
export function testSpec(m: AppManifest, bundle: string, o: { trusted?: boolean; grants?: Record<string, GrantState>; limits?: Partial<SandboxLimits> } = {}): AppSpec {
  const grants: Record<string, GrantState> = {};
  for (const p of declaredPermissions(m)) grants[p.id] = initialState(p.tier, o.trusted ?? false);
  return { manifest: m, bundle, grants: { ...grants, ...o.grants }, limits: { ...DEFAULT_LIMITS, backoffBaseMs: 50, ...o.limits } };
}
