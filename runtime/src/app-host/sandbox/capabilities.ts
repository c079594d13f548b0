import { createHash, createPublicKey, verify } from 'node:crypto';
import type { QuickJSHandle } from 'quickjs-emscripten-core';
import { signalPermissionFor } from '../permissions/tiers.ts';
import { guestError, type GuestInstance } from './guest-instance.ts';
import type { GuestErrorInfo, HostOp } from './protocol.ts';
import { RemoteScope, remoteScopeOf } from './remote-scope.ts';
import { appTimers, timerSlackMs } from './slack-timers.ts';
import { checkTemplate, notificationProblem } from './ui-template.ts';
import { TemplateError } from '../../errors.ts';

/** Log lines an app may write per second; more are counted, not written. */
const MAX_LOGS_PER_SECOND = 50;
/** Longest log line kept (characters). */
const MAX_LOG_CHARS = 2000;
/** Notifications per minute per app. */
const MAX_NOTIFY_PER_MINUTE = 6;
/** `app.audit` records per second per app. */
const MAX_AUDITS_PER_SECOND = 10;
/** Ed25519 SPKI DER prefix before the 32 raw key bytes. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** Largest cloud payload or fetch body (bytes). */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

class Denied {
  constructor(readonly info: GuestErrorInfo) {}
}
const deny = (name: string, message: string, extra: Partial<GuestErrorInfo> = {}): never => {
  throw new Denied(guestError(name, message, extra));
};

/**
 * Creates the capability functions of one app on `caps` (an object handed to the prelude, never
 * global): only those its manifest declares and the tiers did not block. Each checks the live
 * grant on every call, so a revoke takes effect at the next call.
 */
export function installCapabilities(inst: GuestInstance, caps: QuickJSHandle): void {
  const { ctx, host } = inst;
  const m = host.manifest;
  const p = m.permissions;
  const consentAsked = new Set<string>();
  const grants = host.grants();
  const declaredOpen = (prefix: string): boolean => Object.entries(grants).some(([k, s]) => k.startsWith(prefix) && s !== 'blocked');
  // Set by the host around a remote command (never by the guest): what the app starts meanwhile stays remote.
  const remote = remoteScopeOf(inst);
  const remoteTimers = new Map<number, () => void>();
  const takeRemoteTimer = (n: number): (() => void) | null => {
    const r = remoteTimers.get(n) ?? null;
    remoteTimers.delete(n);
    return r;
  };

  /** Throws PermissionDenied unless `perm` is granted; a dangerous one not yet answered asks the driver once. */
  const need = (perm: string | undefined, what: string, allowAsk = false): void => {
    const state = perm ? host.grants()[perm] : undefined;
    if (state === 'granted') return;
    if (state === 'ask') {
      if (!consentAsked.has(perm!)) {
        consentAsked.add(perm!);
        host.event('consent-request', { permission: perm, use: what });
      }
      if (allowAsk) return;
      deny('PermissionDenied', `${what}: waiting for the driver's consent to ${perm}`, { reason: perm, pending: true });
    }
    host.event('denied', { permission: perm ?? what, use: what, state: state ?? 'undeclared' });
    deny('PermissionDenied', perm ? `${what}: ${perm} is ${state}` : `${what}: not declared in app.json`, { reason: perm ?? what });
  };

  const sync = (name: string, impl: (...a: unknown[]) => unknown): void => {
    const f = ctx.newFunction(name, (...hs) => {
      let out: string;
      try {
        out = JSON.stringify({ v: impl(...hs.map((h) => JSON.parse(ctx.getString(h)) as unknown)) ?? null });
      } catch (err) {
        if (!(err instanceof Denied)) throw err;
        out = JSON.stringify({ e: err.info });
      }
      return ctx.newString(out);
    });
    ctx.setProp(caps, name, f);
    f.dispose();
  };

  const async_ = (name: string, op: HostOp, check: (...a: unknown[]) => unknown): void => {
    const f = ctx.newFunction(name, (...hs) => {
      const d = ctx.newPromise();
      const settle = (body: object): void => {
        if (!inst.alive) return;
        const s = ctx.newString(JSON.stringify(body));
        d.resolve(s);
        s.dispose();
        inst.settled();
      };
      let args: unknown;
      try {
        args = check(...hs.map((h) => JSON.parse(ctx.getString(h)) as unknown));
        admit(inst, name);
      } catch (err) {
        if (!(err instanceof Denied)) throw err;
        queueMicrotask(() => settle({ e: err.info }));
        return d.handle;
      }
      // An actuator request made while the app acts for a remote command is asked as remote.
      const forCommand = remote.active;
      if (op === 'set' && forCommand !== null) args = { ...(args as object), via: 'remote', command: forCommand };
      const held = remote.hold();
      inst.inFlight++;
      host.request(op, args).then(
        (v) => settle({ v: v ?? null }),
        (e: GuestErrorInfo) => settle({ e }),
      ).finally(() => {
        inst.inFlight--;
        RemoteScope.later(held);
      });
      return d.handle;
    });
    ctx.setProp(caps, name, f);
    f.dispose();
  };

  let logWindow = 0;
  let logCount = 0;
  sync('appId', () => m.id);
  sync('log', (level, msg) => {
    const now = Date.now();
    if (now - logWindow >= 1000) {
      if (logCount > MAX_LOGS_PER_SECOND) host.event('log', { level: 'warn', message: `${logCount - MAX_LOGS_PER_SECOND} log lines dropped (more than ${MAX_LOGS_PER_SECOND}/s)`, timeMs: now });
      logWindow = now;
      logCount = 0;
    }
    if (++logCount <= MAX_LOGS_PER_SECOND) host.event('log', { level: String(level), message: String(msg).slice(0, MAX_LOG_CHARS), timeMs: now });
  });
  sync('timer', (id, ms, repeat) => {
    if (inst.timers.size >= host.limits.maxTimers) deny('LimitExceeded', `at most ${host.limits.maxTimers} timers at once`);
    const delay = Math.max(host.limits.minTimerMs, Number(ms) || 0);
    const n = Number(id);
    const fire = (): void => {
      if (!repeat) inst.timers.delete(n);
      inst.timerDue(n);
      if (!repeat) RemoteScope.later(takeRemoteTimer(n));
    };
    appTimers.cancel(inst.timers.get(n));
    // Set while acting for a remote command: on time, so slack cannot carry it past its hold's lapse.
    inst.timers.set(n, appTimers.add(delay, Boolean(repeat), fire, remote.active !== null ? 0 : timerSlackMs(delay)));
    RemoteScope.later(takeRemoteTimer(n));
    const held = remote.hold();
    if (held) remoteTimers.set(n, held);
  });
  let audits = 0;
  let auditWindow = 0;
  sync('audit', (event, detail) => {
    const now = Date.now();
    if (now - auditWindow >= 1000) {
      auditWindow = now;
      audits = 0;
    }
    if (++audits > MAX_AUDITS_PER_SECOND) deny('LimitExceeded', `app.audit: at most ${MAX_AUDITS_PER_SECOND} records per second`);
    const d = JSON.stringify(detail ?? {});
    if (d.length > MAX_LOG_CHARS) deny('InvalidArgument', `app.audit: detail over ${MAX_LOG_CHARS} characters`);
    host.event('audit', { event: String(event).slice(0, 200), detail: JSON.parse(d) as unknown });
  });
  sync('verifyEd25519', (key, message, signature) => verifyEd25519(key, message, signature));
  sync('sha256', (text) => createHash('sha256').update(String(text)).digest('hex'));
  sync('clearTimer', (id) => {
    appTimers.cancel(inst.timers.get(Number(id)));
    inst.timers.delete(Number(id));
    RemoteScope.later(takeRemoteTimer(Number(id)));
  });

  if (p.signals.length > 0) {
    const signalPerm = (path: unknown, what: string, allowAsk: boolean): string => {
      if (typeof path !== 'string') deny('InvalidArgument', `${what} takes a VSS path`);
      const s = path as string;
      need(signalPermissionFor(m, s.endsWith('.*') ? s.slice(0, -2) : s)?.id, `${what}(${s})`, allowAsk);
      return s;
    };
    sync('get', (path) => {
      const t = inst.latest.get(signalPerm(path, 'vehicle.get', false));
      return t ? { value: t[1], timeMs: t[2], quality: t[3] } : null;
    });
    sync('subscribe', (path) => void signalPerm(path, 'vehicle.subscribe', true));
  }
  if (declaredOpen('actuator:')) {
    async_('set', 'set', (path, value) => {
      need(typeof path === 'string' && p.actuators.includes(path) ? `actuator:${path}` : undefined, `vehicle.set(${String(path)})`);
      if (!['number', 'boolean', 'string'].includes(typeof value)) deny('InvalidArgument', 'vehicle.set takes a number, boolean or string');
      return { path, value };
    });
  }
  const notices: number[] = [];
  if (p.notifications) {
    sync('notify', (n) => {
      need('notify', 'notify');
      const bad = notificationProblem(n);
      if (bad) deny('InvalidArgument', `notify: ${bad}`);
      const now = Date.now();
      while (notices.length && now - notices[0]! > 60_000) notices.shift();
      if (notices.length >= MAX_NOTIFY_PER_MINUTE) deny('LimitExceeded', `at most ${MAX_NOTIFY_PER_MINUTE} notifications per minute`);
      notices.push(now);
      host.event('notify', { level: 'info', body: '', ...(n as object) });
    });
  }
  if (p.ui.length > 0) {
    // render replaces the app's task stack, push adds a template on top, pop removes the top one.
    for (const op of ['render', 'push'] as const) {
      sync(op, (t) => {
        need('ui', `ui.${op}`);
        const checked = checkTemplate(m.id, t, p);
        if (checked instanceof TemplateError) {
          host.event('ui-invalid', { problem: checked.message, path: checked.path });
          deny('InvalidArgument', `ui.${op}: ${checked.message}`);
        }
        host.event('ui', { op, template: checked });
      });
    }
    sync('pop', () => {
      need('ui', 'ui.pop');
      host.event('ui', { op: 'pop' });
    });
  }
  if (p.storageKb > 0) installStorage(sync, need, inst);
  if (p.cloud.length > 0) installCloud(sync, async_, need, inst, remote);
  if (p.network.length > 0) {
    async_('fetch', 'fetch', (url, init) => {
      let u: URL;
      try {
        u = new URL(String(url));
      } catch {
        return deny('InvalidArgument', `net.fetch: ${String(url)} is not a URL`);
      }
      if (u.protocol !== 'https:' && u.protocol !== 'http:') deny('InvalidArgument', 'net.fetch: only http(s) URLs');
      need(p.network.some((n) => n.domain === u.hostname) ? `net:${u.hostname}` : undefined, `net.fetch(${u.hostname})`);
      const body = (init as { body?: unknown } | null)?.body;
      if (body !== undefined && body !== null && (typeof body !== 'string' || Buffer.byteLength(body) > MAX_PAYLOAD_BYTES)) deny('InvalidArgument', `net.fetch: body must be a string of at most ${MAX_PAYLOAD_BYTES} bytes`);
      return { url: u.href, init };
    });
  }
}

type SyncDef = (name: string, impl: (...a: unknown[]) => unknown) => void;
type AsyncDef = (name: string, op: HostOp, check: (...a: unknown[]) => unknown) => void;
type Need = (perm: string | undefined, what: string, allowAsk?: boolean) => void;

function installStorage(sync: SyncDef, need: Need, inst: GuestInstance): void {
  const st = inst.host.storage;
  sync('storageGet', (k) => (need('storage', 'storage.get'), st.get(String(k))));
  sync('storageKeys', () => (need('storage', 'storage.keys'), st.keys()));
  sync('storageUsage', () => ({ usedBytes: st.usedBytes, quotaBytes: st.quotaBytes }));
  sync('storageRemove', (k) => (need('storage', 'storage.remove'), st.remove(String(k))));
  sync('storageSet', (k, v) => {
    need('storage', 'storage.set');
    const bad = st.set(k as string, v);
    if (bad) deny(bad.includes('quota') ? 'LimitExceeded' : 'InvalidArgument', `storage.set: ${bad}`);
  });
}

/** Does MQTT filter `f` match topic `t`? */
export function topicMatches(f: string, t: string): boolean {
  const fl = f.split('/');
  const tl = t.split('/');
  for (let i = 0; i < fl.length; i++) {
    if (fl[i] === '#') return true;
    if (i >= tl.length || (fl[i] !== '+' && fl[i] !== tl[i])) return false;
  }
  return fl.length === tl.length;
}

function installCloud(sync: SyncDef, async_: AsyncDef, need: Need, inst: GuestInstance, remote: RemoteScope): void {
  const declared = inst.host.manifest.permissions.cloud;
  async_('publish', 'publish', (topic, payload, opts) => {
    const t = String(topic);
    if (!declared.some((f) => topicMatches(f, t)) || /[+#]/.test(t)) deny('PermissionDenied', `cloud.publish: ${t} is not under the topics the app declared`, { reason: 'cloud' });
    need('cloud', 'cloud.publish');
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload ?? null);
    if (Buffer.byteLength(body) > MAX_PAYLOAD_BYTES) deny('InvalidArgument', `cloud.publish: payload over ${MAX_PAYLOAD_BYTES} bytes`);
    const o = (opts ?? {}) as Record<string, unknown>;
    return { topic: t, payload: body, options: { retain: o['retain'] === true, alert: o['alert'] === true, raw: o['raw'] === true } };
  });
  async_('cloudSubscribe', 'cloud-subscribe', (filter) => {
    const f = String(filter);
    if (!declared.includes(f) && !declared.some((d) => !/[+#]/.test(f) && topicMatches(d, f))) deny('PermissionDenied', `cloud.subscribe: ${f} is not a filter the app declared`, { reason: 'cloud' });
    need('cloud', 'cloud.subscribe', true);
    return { filter: f };
  });
  sync('cloudCommands', () => need('cloud', 'cloud.onCommand', true));
  sync('commandDone', (id, result) => {
    // The app answered: it stops acting for the command at the end of this turn (see RemoteScope).
    remote.answered(String(id));
    inst.host.event('command-result', { id, result });
  });
}

/** Request-rate and in-flight limits (an action flood is refused here, before the main thread). */
function admit(inst: GuestInstance, what: string): void {
  const now = Date.now();
  const lim = inst.host.limits;
  while (inst.requestTimes.length && now - inst.requestTimes[0]! >= 1000) inst.requestTimes.shift();
  if (inst.requestTimes.length >= lim.maxRequestsPerSecond || inst.inFlight >= lim.maxInFlight) {
    inst.host.event('flood', { use: what, perSecond: inst.requestTimes.length, inFlight: inst.inFlight });
    deny('LimitExceeded', `${what}: at most ${lim.maxRequestsPerSecond} requests per second and ${lim.maxInFlight} awaiting an answer`);
  }
  inst.requestTimes.push(now);
}

/** Verifies an ed25519 signature (base64) over a UTF-8 message; the key is PEM, base64 SPKI DER or base64 of the 32 raw bytes. */
function verifyEd25519(key: unknown, message: unknown, signature: unknown): boolean {
  if (typeof key !== 'string' || typeof message !== 'string' || typeof signature !== 'string') deny('InvalidArgument', 'crypto.verifyEd25519(publicKey, message, signature) takes three strings');
  try {
    const k = key as string;
    const raw = k.includes('BEGIN') ? null : Buffer.from(k, 'base64');
    const pub = raw === null ? createPublicKey(k) : createPublicKey({ key: raw.length === 32 ? Buffer.concat([ED25519_SPKI_PREFIX, raw]) : raw, format: 'der', type: 'spki' });
    return pub.asymmetricKeyType === 'ed25519' && verify(null, Buffer.from(message as string, 'utf8'), pub, Buffer.from(signature as string, 'base64'));
  } catch {
    return false;
  }
}
