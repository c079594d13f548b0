import type { CloudSync } from '../cloud/cloud-sync.ts';
import type { CommandResult } from '../cloud/commands.ts';
import type { AppHost } from './app-host.ts';

/**
 * The remote command that carries a command for an app: `vehicles/{id}/commands/app` with
 * `{"args": {"app": "<app id>", "name": "<command>", "args": {...}}, ...}`. It is signed and
 * checked like every remote command (trusted key, this vehicle, expiry, nonce never seen), so an
 * app's `cloud.onCommand` only ever sees commands the owner or fleet really sent.
 */
export const APP_COMMAND = 'app';

const refuse = (reason: string, detail: string): CommandResult => ({ status: 'refused', reason, detail });

/**
 * Gives the apps the cloud: each app's `apps/<id>/` channel for `cloud.publish/subscribe`, and
 * the `app` remote command delivered to the named app's `cloud.onCommand` (only when the app
 * declares the cloud and the driver granted it). The app's answer (its handler's return value)
 * is the command's reply.
 */
export function linkAppsToCloud(host: AppHost, cloud: CloudSync): void {
  host.setCloud(cloud);
  cloud.registerCommand(APP_COMMAND, {
    run: async ({ args, nonce }) => {
      const appId = args['app'];
      const name = args['name'];
      const inner = args['args'] ?? {};
      if (typeof appId !== 'string' || typeof name !== 'string' || name === '') return refuse('BAD_ARGS', 'app needs {"app": id, "name": command, "args"?: {}}');
      if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) return refuse('BAD_ARGS', 'args.args must be an object');
      const app = host.apps.get(appId);
      if (!app) return refuse('NO_SUCH_APP', `no app ${appId} is running on this car`);
      const grant = host.state.grants.get(appId, 'cloud');
      if (grant !== 'granted') return refuse('NOT_GRANTED', `${appId} may not receive cloud commands (cloud is ${grant ?? 'not declared'})`);
      return asResult(await host.deliverCommand(appId, { name, args: inner as Record<string, unknown>, id: nonce }), appId, name);
    },
  });
}

/** The app's answer as a command result: its own `{status, reason, detail}` when it gave one. */
function asResult(r: unknown, appId: string, name: string): CommandResult {
  const o = (typeof r === 'object' && r !== null ? r : {}) as Partial<CommandResult>;
  if (o.status === 'done' || o.status === 'refused' || o.status === 'failed') {
    return { status: o.status, reason: String(o.reason ?? (o.status === 'done' ? 'OK' : 'APP')), detail: String(o.detail ?? ''), ...(o.result !== undefined ? { result: o.result } : {}) };
  }
  return { status: 'done', reason: 'OK', detail: `${name} handled by ${appId}`, ...(r !== undefined && r !== null ? { result: r } : {}) };
}
