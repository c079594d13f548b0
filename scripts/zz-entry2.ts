import { GuestInstance } from '../runtime/src/app-host/sandbox/guest-instance.ts';
import { AppStorage } from '../runtime/src/app-host/sandbox/app-storage.ts';
import { DEFAULT_LIMITS, type SignalTuple } from '../runtime/src/app-host/sandbox/protocol.ts';
const LISTENER = `
let n = 0, last = 0;
headunit.vehicle.subscribe('Vehicle.*', (changes) => { n += changes.length; last = changes[changes.length - 1].value; });
`;
const mode = process.argv[2] ?? 'full';
const seconds = 10;
const insts: GuestInstance[] = [];
const trivial: any[] = [];
for (let i = 0; i < 10; i++) {
  const id = `bench.l${i}`;
  const manifest: any = { id, name: id, version: '1.0.0', publisher: 'b', description: '', entry: 'x', icon: null, permissions: { signals: [{ path: 'Vehicle.*', maxRateHz: 50 }], actuators: [], notifications: false, ui: [], cloud: [], network: [], storageKb: 0, background: false } };
  const { instance, fault } = await GuestInstance.create({ manifest, bundle: LISTENER, limits: { ...DEFAULT_LIMITS, callbackMs: 2000 }, grants: () => ({ 'signal:Vehicle.*': 'granted' }), storage: new AppStorage(id, 0, null), request: async () => null, event: () => {}, onFault: (f) => console.log('fault', f) });
  if (fault) throw new Error(JSON.stringify(fault));
  insts.push(instance);
  trivial.push(instance.ctx.unwrapResult(instance.ctx.evalCode('(function (s) { return 1; })')));
}
let v = 0;
const batch = (): SignalTuple[] => Array.from({ length: 5 }, () => ['Vehicle.Speed', (v++ % 100), Date.now(), 'valid']);
const c0 = process.cpuUsage(); const t0 = performance.now();
let calls = 0; let callMs = 0; const pos = new Array(10).fill(0);
while (performance.now() - t0 < seconds * 1000) {
  let k = 0;
  for (const i of insts) {
    const b = batch(); const a = performance.now();
    if (mode === 'full') i.call('signals', b);
    else if (mode === 'empty') i.call('signals', []);
    else if (mode === 'trivial') { const ctx = i.ctx; const s = ctx.newString('x'); const r = ctx.callFunction(trivial[k], ctx.undefined, s); s.dispose(); (r as any).value?.dispose(); }
    else if (mode === 'nop') { i.ctx.runtime.hasPendingJob(); }
    else if (mode === 'touch') { const u = new Uint8Array(i.memory.buffer); let x = 0; for (let j = 0; j < u.length; j += 4096) x += u[j]!; if (x < 0) console.log(x); }
    const d = performance.now() - a; callMs += d; calls++; pos[k++] += d;
  }
  await new Promise((r) => setTimeout(r, 100));
}
const c = process.cpuUsage(c0); const wall = performance.now() - t0;
console.log(mode, 'by position us', pos.map((x) => (x / (calls / 10) * 1000).toFixed(0)).join(' '), `${(callMs / calls * 1000).toFixed(1)} us/call, process cpu ${(((c.user + c.system) / 1000) / wall * 100).toFixed(2)} %`);
