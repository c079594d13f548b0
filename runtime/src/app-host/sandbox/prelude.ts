/**
 * Guest-side code evaluated in each app's QuickJS context before its bundle. It receives the
 * capability functions the host created for this app's grants (never placed on the global
 * object), builds the frozen `headunit` global the SDK (apps/sdk) wraps, installs timers and
 * `console`, and returns the one dispatch function the host calls with batched deliveries.
 *
 * Capabilities speak JSON strings: a sync one returns `{"v": value}` or `{"e": error}`; an async
 * one returns a promise of the same.
 */
export const PRELUDE = String.raw`(function (caps) {
  'use strict';
  class HeadunitError extends Error { constructor(code, message) { super(message); this.name = 'HeadunitError'; this.code = code; } }
  class PermissionDenied extends HeadunitError { constructor(m, e) { super('PERMISSION_DENIED', m); this.name = 'PermissionDenied'; this.permission = e.reason || ''; this.pending = !!e.pending; } }
  class Refused extends HeadunitError { constructor(m, e) { super('REFUSED', m); this.name = 'Refused'; this.reason = e.reason || ''; } }
  class LimitExceeded extends HeadunitError { constructor(m) { super('LIMIT_EXCEEDED', m); this.name = 'LimitExceeded'; } }
  class InvalidArgument extends HeadunitError { constructor(m) { super('INVALID_ARGUMENT', m); this.name = 'InvalidArgument'; } }
  class NetworkError extends HeadunitError { constructor(m) { super('NETWORK', m); this.name = 'NetworkError'; } }
  class Unavailable extends HeadunitError { constructor(m) { super('UNAVAILABLE', m); this.name = 'Unavailable'; } }
  const KINDS = { PermissionDenied, Refused, LimitExceeded, InvalidArgument, NetworkError, Unavailable };
  const toError = (e) => new (KINDS[e.name] || HeadunitError)(e.message, e);
  const unwrap = (json) => { const r = JSON.parse(json); if (r.e) throw toError(r.e); return r.v; };
  const cap = (name) => { const f = caps[name]; if (typeof f !== 'function') throw new PermissionDenied(name + ' is not granted to this app', { reason: name }); return f; };
  const sync = (name, ...args) => unwrap(cap(name)(...args.map((a) => JSON.stringify(a === undefined ? null : a))));
  const async_ = (name, ...args) => {
    try { return cap(name)(...args.map((a) => JSON.stringify(a === undefined ? null : a))).then(unwrap); }
    catch (err) { return Promise.reject(err); }
  };
  const report = (where, err) => { try { caps.log('"error"', JSON.stringify(where + ': ' + (err && err.stack ? err.name + ': ' + err.message + '\n' + err.stack : String(err)))); } catch (_) {} };
  // InternalError (stack overflow, out of memory, interrupted) is the host's business: let it through.
  const safe = (where, fn, ...a) => { try { const r = fn(...a); if (r && typeof r.then === 'function') r.then(undefined, (e) => report(where, e)); } catch (err) { if (err instanceof InternalError) throw err; report(where, err); } };

  const subs = [];
  const stateFns = [];
  const cloudSubs = [];
  const commandFns = [];
  const actionFns = [];
  const life = { start: [], stop: [] };
  const timers = new Map();
  let nextTimer = 1;
  let latestState = null;
  const topicMatches = (filter, topic) => {
    const f = filter.split('/'), t = topic.split('/');
    for (let i = 0; i < f.length; i++) { if (f[i] === '#') return true; if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false; }
    return f.length === t.length;
  };
  const fn = (f, what) => { if (typeof f !== 'function') throw new InvalidArgument(what + ' expects a function'); return f; };

  const vehicle = Object.freeze({
    get: (path) => sync('get', path),
    subscribe: (path, cb) => {
      sync('subscribe', path);
      const tree = path.endsWith('.*');
      // What a delivery compares: a subtree's prefix ('Vehicle.Cabin.') and its root ('Vehicle.Cabin'), or the leaf.
      const s = { path, tree, prefix: tree ? path.slice(0, -1) : path, root: tree ? path.slice(0, -2) : path, label: 'subscribe ' + path, dead: false, cb: fn(cb, 'vehicle.subscribe') };
      subs.push(s);
      return () => { s.dead = true; const i = subs.indexOf(s); if (i >= 0) subs.splice(i, 1); };
    },
    set: (path, value) => async_('set', path, value),
    state: () => latestState,
  });
  const headunit = Object.freeze({
    version: 1,
    vehicle,
    onVehicleState: (cb) => { stateFns.push(fn(cb, 'onVehicleState')); if (latestState) safe('onVehicleState', cb, latestState); },
    notify: (n) => sync('notify', n),
    ui: Object.freeze({ render: (t) => sync('render', t), push: (t) => sync('push', t), pop: () => sync('pop'), onAction: (cb) => { actionFns.push(fn(cb, 'ui.onAction')); } }),
    storage: Object.freeze({
      get: (k) => sync('storageGet', k), set: (k, v) => sync('storageSet', k, v),
      remove: (k) => sync('storageRemove', k), keys: () => sync('storageKeys'), usage: () => sync('storageUsage'),
    }),
    cloud: Object.freeze({
      publish: (topic, payload, opts) => async_('publish', topic, payload, opts || {}),
      subscribe: (filter, cb) => { fn(cb, 'cloud.subscribe'); return async_('cloudSubscribe', filter).then(() => { cloudSubs.push({ filter, cb }); }); },
      onCommand: (cb) => { sync('cloudCommands'); commandFns.push(fn(cb, 'cloud.onCommand')); },
    }),
    net: Object.freeze({ fetch: (url, init) => async_('fetch', url, init || {}) }),
    app: Object.freeze({
      id: sync('appId'),
      onStart: (cb) => { life.start.push(fn(cb, 'app.onStart')); },
      onStop: (cb) => { life.stop.push(fn(cb, 'app.onStop')); },
      audit: (event, detail) => sync('audit', String(event), detail === undefined ? {} : detail),
    }),
    crypto: Object.freeze({
      verifyEd25519: (publicKey, message, signature) => sync('verifyEd25519', publicKey, message, signature),
      sha256: (text) => sync('sha256', text),
    }),
    errors: Object.freeze({ HeadunitError, PermissionDenied, Refused, LimitExceeded, InvalidArgument, NetworkError, Unavailable }),
  });
  const addTimer = (cb, ms, repeat) => {
    fn(cb, repeat ? 'setInterval' : 'setTimeout');
    const id = nextTimer++;
    sync('timer', id, Number(ms) || 0, repeat);
    timers.set(id, { cb, repeat });
    return id;
  };
  const clearTimer = (id) => { if (timers.delete(id)) sync('clearTimer', id); };
  const con = (level) => (...a) => sync('log', level, a.map((x) => typeof x === 'string' ? x : (() => { try { return JSON.stringify(x); } catch (_) { return String(x); } })()).join(' '));
  Object.defineProperties(globalThis, {
    headunit: { value: headunit },
    setTimeout: { value: (cb, ms) => addTimer(cb, ms, false) },
    setInterval: { value: (cb, ms) => addTimer(cb, ms, true) },
    clearTimeout: { value: clearTimer },
    clearInterval: { value: clearTimer },
    console: { value: Object.freeze({ log: con('info'), info: con('info'), warn: con('warn'), error: con('error'), debug: con('debug') }) },
  });

  const handlers = {
    // One delivery, oldest value first: each value to the leaf subscriptions of its path, in the
    // order the values changed; then each subtree subscription once with its changes. A
    // subscription removed by a callback gets nothing more, not even the rest of this delivery.
    signals(batch) {
      const now = subs.slice();
      let leaves = 0;
      for (let k = 0; k < now.length; k++) if (!now[k].tree) leaves++;
      if (leaves > 0) {
        for (let j = 0; j < batch.length; j++) {
          const u = batch[j];
          for (let k = 0; k < now.length; k++) {
            const s = now[k];
            if (!s.tree && !s.dead && u[0] === s.path) safe(s.label, s.cb, u[1], { path: u[0], timeMs: u[2], quality: u[3] });
          }
        }
      }
      for (let k = 0; k < now.length; k++) {
        const s = now[k];
        if (!s.tree || s.dead) continue;
        let changes = null;
        for (let j = 0; j < batch.length; j++) {
          const u = batch[j];
          if (u[0] === s.root || u[0].startsWith(s.prefix)) (changes || (changes = [])).push({ path: u[0], value: u[1], timeMs: u[2], quality: u[3] });
        }
        if (changes) safe(s.label, s.cb, changes);
      }
    },
    state(st) { latestState = st; for (const f of stateFns.slice()) safe('onVehicleState', f, st); },
    timers(ids) {
      for (const id of ids) {
        const t = timers.get(id);
        if (!t) continue;
        if (!t.repeat) timers.delete(id);
        safe('timer', t.cb);
      }
    },
    cloud(m) { for (const s of cloudSubs.slice()) if (topicMatches(s.filter, m.topic)) safe('cloud ' + s.filter, s.cb, m.payload, m.topic); },
    command(msg) {
      const c = { name: msg.name, args: msg.args, id: msg.id };
      let out;
      for (const f of commandFns.slice()) {
        try { const r = f(c); if (out === undefined && r !== undefined) out = r; }
        catch (err) { if (err instanceof InternalError) throw err; out = { status: 'failed', reason: 'APP_ERROR', detail: String(err && err.message) }; }
      }
      Promise.resolve(out).then(
        (v) => sync('commandDone', msg.replyTo, v === undefined ? null : v),
        (e) => sync('commandDone', msg.replyTo, { status: 'failed', reason: 'APP_ERROR', detail: String(e && e.message) }));
    },
    'ui-action'(a) { for (const f of actionFns.slice()) safe('ui.onAction', f, a); },
    lifecycle(what) { for (const f of life[what].slice()) safe('app.' + what, f); },
  };
  return function dispatch(msg) { const i = msg.indexOf('\n'); handlers[msg.slice(0, i)](JSON.parse(msg.slice(i + 1))); };
})`;
