import { openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import releaseSync from '@jitl/quickjs-wasmfile-release-sync';
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime, type QuickJSSyncVariant } from 'quickjs-emscripten-core';
import type { AppManifest } from '../manifest/manifest.ts';
import type { GrantState } from '../permissions/tiers.ts';
import type { AppStorage } from './app-storage.ts';
import { installCapabilities } from './capabilities.ts';
import { PRELUDE } from './prelude.ts';
import { appTimers, type SlackTimer } from './slack-timers.ts';
import type { AppEventKind, GuestErrorInfo, HostOp, SandboxLimits, SignalTuple } from './protocol.ts';

/** The synchronous release build of QuickJS (its types resolve through the CommonJS entry). */
const variant = releaseSync as unknown as QuickJSSyncVariant;
/** Evaluating the prelude and the bundle's top level may take this many callback deadlines. */
const BOOT_DEADLINE_FACTOR = 5;
/** WebAssembly page size (bytes). */
const WASM_PAGE = 65536;
/** The QuickJS wasm module declares this initial memory; an app's memory cannot be smaller. */
export const MIN_MEMORY_BYTES = 256 * WASM_PAGE;

/** Why an app was struck: deadline hit, out of memory, stack overflow, CPU budget, promise storm, host crash, bad bundle. */
export type FaultKind = 'interrupted' | 'oom' | 'stack' | 'cpu' | 'jobs' | 'crash' | 'bundle';

export interface Fault {
  kind: FaultKind;
  detail: string;
  /** How long the callback ran before it was stopped (ms). */
  ms: number;
}

/** What an instance needs from the worker around it. */
export interface InstanceHost {
  manifest: AppManifest;
  bundle: string;
  limits: SandboxLimits;
  grants: () => Record<string, GrantState>;
  storage: AppStorage;
  /** Forwards to the main thread; rejects with a GuestErrorInfo. */
  request(op: HostOp, args: unknown): Promise<unknown>;
  event(kind: AppEventKind, detail: Record<string, unknown>): void;
  /** A fault in a callback the worker did not start itself (a timer, a reply). */
  onFault(f: Fault): void;
}

/** A callback past its deadline that has used less than this share of it in CPU was kept from running, not running. */
const PREEMPTED_SHARE = 0.75;
/** How coarse the kernel's per-thread CPU time is (ms): it moves at scheduler ticks (250 Hz). */
const SCHED_SLACK_MS = 4;
/** However it was kept from running, a callback is stopped after this many deadlines of wall time. */
const WALL_CAP_FACTOR = 5;

/** A callback's start may use the thread's CPU time read this recently (ms): one read per delivery turn, not two per app. */
const CPU_READ_REUSE_MS = 1;

let schedstat: number | null | undefined;
const schedBuf = Buffer.alloc(64);
let lastCpu = { atMs: -Infinity, cpuMs: 0 };
/**
 * CPU time this thread has run (ms) from `/proc/thread-self/schedstat` (Linux; updated at the
 * scheduler's ticks, a few ms coarse), or null where there is none. One pread on a kept file,
 * unless one was made less than `reuseMs` ago: an older figure only makes the time since look
 * more used (a stricter deadline, never a looser one).
 */
function threadCpuMs(reuseMs = 0): number | null {
  if (reuseMs > 0 && performance.now() - lastCpu.atMs < reuseMs) return lastCpu.cpuMs;
  if (schedstat === undefined) {
    try {
      schedstat = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      schedstat = null;
    }
  }
  if (schedstat === null) return null;
  const n = readSync(schedstat, schedBuf, 0, schedBuf.length, 0);
  const end = schedBuf.indexOf(32);
  const cpuMs = Number(schedBuf.toString('latin1', 0, end > 0 && end < n ? end : n)) / 1e6;
  lastCpu = { atMs: performance.now(), cpuMs };
  return cpuMs;
}

let compiled: WebAssembly.Module | null = null;

/** The QuickJS wasm module, compiled once per thread and instantiated per app. */
function quickjsModule(): WebAssembly.Module {
  if (!compiled) {
    const file = createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm');
    compiled = new WebAssembly.Module(readFileSync(file));
  }
  return compiled;
}

/**
 * Compiles and runs the wasm once (a throw-away instance with a loop stopped by an interrupt),
 * so the first app's first callback is not charged V8's lazy compilation of QuickJS.
 */
export async function warmUp(): Promise<void> {
  const memory = new WebAssembly.Memory({ initial: MIN_MEMORY_BYTES / WASM_PAGE, maximum: MIN_MEMORY_BYTES / WASM_PAGE * 2 });
  const qjs = await newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmModule: quickjsModule(), wasmMemory: memory }));
  const rt = qjs.newRuntime();
  const ctx = rt.newContext();
  const until = performance.now() + 50;
  rt.setInterruptHandler(() => performance.now() > until);
  for (const code of [PRELUDE, 'let a = []; for (let i = 0; ; i++) { a.push({ i, s: "x" + i }); if (a.length > 1000) a = []; JSON.stringify(a.slice(0, 3)); Promise.resolve(i).then(String); }']) {
    const r = ctx.evalCode(code);
    (r.error ?? r.value).dispose();
  }
  rt.executePendingJobs(1000);
}

/**
 * One app in its own QuickJS-in-wasm instance: its own bounded `WebAssembly.Memory`, a stack
 * limit, and an interrupt deadline on every callback into it. `call()` runs a batched delivery
 * and its promise jobs, measures the time, and returns the fault if the app misbehaved.
 */
export class GuestInstance {
  alive = true;
  /** Latest value per path delivered to this app (`vehicle.get`). */
  readonly latest = new Map<string, SignalTuple>();
  /** The app's live timers by the guest's id (on the thread's shared `appTimers`). */
  readonly timers = new Map<number, SlackTimer>();
  cpuMsTotal = 0;
  cpuMsWindow = 0;
  windowStartMs = performance.now();
  callbacks = 0;
  maxCallbackMs = 0;
  /** Requests started in the current second, and awaiting an answer. */
  requestTimes: number[] = [];
  inFlight = 0;
  private deadline = Infinity;
  private deadlineMs = 0;
  private wallCap = Infinity;
  /** This thread's CPU time when the current callback started (ms). */
  private cpuAtStart = 0;
  /** Set when the interrupt handler stopped the guest during the current callback (it may have swallowed the error). */
  private interrupted = false;
  private dispatchFn!: QuickJSHandle;
  private dueTimers: number[] = [];
  private jobsScheduled = false;
  /** Set by the memory's grow hook when the bound refused a grow. */
  growRefused = false;
  /** The CPU budget of the current window has already given its strike. */
  private cpuStruck = false;

  private constructor(
    readonly host: InstanceHost,
    readonly memory: WebAssembly.Memory,
    readonly rt: QuickJSRuntime,
    readonly ctx: QuickJSContext,
  ) {
    rt.setMaxStackSize(host.limits.stackBytes);
    rt.setInterruptHandler(() => {
      const now = performance.now();
      if (now <= this.deadline) return false;
      // The wall-clock deadline is up. This thread runs below the decode thread's priority, so on
      // a busy machine part of that time it was waiting for a core: an app that has not used
      // PREEMPTED_SHARE of its deadline in CPU goes on (up to WALL_CAP_FACTOR deadlines), so the
      // scheduler's choice is not the app's strike. Without schedstat it is wall time only.
      if (now <= this.wallCap) {
        const cpu = threadCpuMs();
        if (cpu !== null && cpu - this.cpuAtStart < this.deadlineMs * PREEMPTED_SHARE) return false;
      }
      this.interrupted = true;
      return true;
    });
  }

  /**
   * Instantiates QuickJS with the app's own memory, evaluates the prelude with its capabilities,
   * then the bundle. A bundle that does not evaluate gives a `bundle` fault (no restart helps).
   */
  static async create(host: InstanceHost): Promise<{ instance: GuestInstance; fault: Fault | null }> {
    const bytes = Math.max(MIN_MEMORY_BYTES, host.limits.memoryBytes);
    const memory = new WebAssembly.Memory({ initial: MIN_MEMORY_BYTES / WASM_PAGE, maximum: Math.ceil(bytes / WASM_PAGE) });
    const qjs = await newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmModule: quickjsModule(), wasmMemory: memory }));
    const rt = qjs.newRuntime();
    const inst = new GuestInstance(host, memory, rt, rt.newContext());
    // Emscripten grows the heap through this object's grow(); a refusal past the bound is the OOM signal.
    const grow = memory.grow.bind(memory);
    memory.grow = (delta: number): number => {
      try {
        return grow(delta);
      } catch (err) {
        inst.growRefused = true;
        throw err;
      }
    };
    return { instance: inst, fault: inst.boot() };
  }

  private boot(): Fault | null {
    const { ctx } = this;
    // The first evaluation also compiles the prelude: a longer deadline than a callback's.
    const fault = this.guard(() => {
      const install = ctx.evalCode(PRELUDE, 'prelude.js');
      if (install.error) return this.classify(install.error, 'crash');
      const caps = ctx.newObject();
      installCapabilities(this, caps);
      const r = ctx.callFunction(install.value, ctx.undefined, caps);
      install.value.dispose();
      caps.dispose();
      if (r.error) return this.classify(r.error, 'crash');
      this.dispatchFn = r.value;
      const b = ctx.evalCode(this.host.bundle, `${this.host.manifest.id}.js`);
      if (b.error) return this.classify(b.error, 'bundle');
      b.value.dispose();
      return this.runJobs();
    }, BOOT_DEADLINE_FACTOR);
    // The boot's one-off cost (compiling prelude and bundle; on a loaded machine, or the first app
    // in a fresh thread, well over 100 ms) has its own deadline above: it is not charged to the
    // first second's CPU budget, or a slow start would quarantine an app that did nothing wrong.
    this.cpuMsWindow = 0;
    this.cpuStruck = false;
    return fault?.kind === 'cpu' ? null : fault;
  }

  /** Delivers one batch (`signals`, `state`, `timers`, `cloud`, `command`, `ui-action`, `lifecycle`). */
  call(kind: string, data: unknown): Fault | null {
    if (!this.alive) return null;
    const { ctx } = this;
    return this.guard(() => {
      // One string per call (`kind` newline `json`): each handle crossing into wasm costs.
      const j = ctx.newString(`${kind}\n${JSON.stringify(data)}`);
      const r = ctx.callFunction(this.dispatchFn, ctx.undefined, j);
      j.dispose();
      if (r.error) return this.classify(r.error, 'crash');
      r.value.dispose();
      return this.runJobs();
    });
  }

  /** Runs promise jobs after async capabilities settled (replies from the main thread), once per turn. */
  settled(): void {
    if (this.jobsScheduled) return;
    this.jobsScheduled = true;
    setImmediate(() => {
      this.jobsScheduled = false;
      if (!this.alive) return;
      const f = this.guard(() => this.runJobs());
      if (f) this.host.onFault(f);
    });
  }

  /** Timers due now are delivered together on the next turn. */
  timerDue(id: number): void {
    this.dueTimers.push(id);
    if (this.dueTimers.length > 1) return;
    setImmediate(() => {
      const ids = this.dueTimers;
      this.dueTimers = [];
      const f = this.call('timers', ids);
      if (f) this.host.onFault(f);
    });
  }

  /** Runs `body` under the deadline, accounts its time, and adds the CPU and memory verdicts. */
  private guard(body: () => Fault | null, deadlineFactor = 1): Fault | null {
    const t0 = performance.now();
    this.deadlineMs = this.host.limits.callbackMs * deadlineFactor;
    this.deadline = t0 + this.deadlineMs;
    this.wallCap = t0 + this.deadlineMs * WALL_CAP_FACTOR;
    this.cpuAtStart = threadCpuMs(CPU_READ_REUSE_MS) ?? 0;
    this.interrupted = false;
    let fault: Fault | null;
    try {
      fault = body();
    } catch (err) {
      fault = { kind: 'crash', detail: `${(err as Error).name}: ${(err as Error).message}`, ms: 0 };
    } finally {
      this.deadline = Infinity;
    }
    const ms = performance.now() - t0;
    // Charged to the CPU budget: the wall time, unless the thread's CPU time says it was kept
    // from running for part of it (schedstat moves in scheduler ticks: SCHED_SLACK_MS of doubt,
    // so a callback shorter than that is charged its wall time without asking).
    const cpu = ms > SCHED_SLACK_MS ? threadCpuMs() : null;
    this.account(t0, cpu === null ? ms : Math.min(ms, cpu - this.cpuAtStart + SCHED_SLACK_MS));
    if (!fault && this.interrupted) fault = { kind: 'interrupted', detail: `ran longer than ${this.host.limits.callbackMs * deadlineFactor} ms`, ms };
    if (!fault) fault = this.memoryFault() ?? this.cpuFault();
    if (fault) fault.ms = ms;
    return fault;
  }

  private runJobs(): Fault | null {
    if (!this.rt.hasPendingJob()) return null;
    const r = this.rt.executePendingJobs(this.host.limits.maxJobsPerCall);
    if (r.error) return this.classify(r.error, 'crash');
    if (this.rt.hasPendingJob()) return { kind: 'jobs', detail: `more than ${this.host.limits.maxJobsPerCall} promise jobs in one callback (promise storm)`, ms: 0 };
    return null;
  }

  private account(t0: number, ms: number): void {
    if (t0 - this.windowStartMs >= 1000) {
      this.windowStartMs = t0;
      this.cpuMsWindow = 0;
      this.cpuStruck = false;
    }
    this.cpuMsWindow += ms;
    this.cpuMsTotal += ms;
    this.callbacks++;
    if (ms > this.maxCallbackMs) this.maxCallbackMs = ms;
  }

  /** Over budget in this second: the worker holds deliveries until the window ends. */
  get throttled(): boolean {
    return performance.now() - this.windowStartMs < 1000 && this.cpuMsWindow > this.host.limits.cpuMsPerSecond;
  }

  private cpuFault(): Fault | null {
    if (!this.throttled || this.cpuStruck) return null;
    this.cpuStruck = true;
    return { kind: 'cpu', detail: `used ${this.cpuMsWindow.toFixed(1)} ms of CPU this second; the budget is ${this.host.limits.cpuMsPerSecond} ms`, ms: 0 };
  }

  /** QuickJS asked for more memory than the bound (a refused grow): out of memory, even if the app caught it. */
  private memoryFault(): Fault | null {
    if (!this.growRefused) return null;
    this.growRefused = false;
    return { kind: 'oom', detail: `asked for more than its ${this.memory.buffer.byteLength} bytes of memory`, ms: 0 };
  }

  /** Bytes QuickJS has allocated (malloc) inside the app's memory. */
  heapBytes(): number {
    try {
      const h = this.rt.computeMemoryUsage();
      const u = this.ctx.dump(h) as { memory_used_size?: number };
      h.dispose();
      return u.memory_used_size ?? 0;
    } catch {
      return this.memory.buffer.byteLength;
    }
  }

  /** Turns a guest exception into a fault (interrupt, OOM, stack) or an app error event. */
  private classify(h: QuickJSHandle, otherwise: FaultKind): Fault | null {
    let e: { name?: string; message?: string; stack?: string };
    try {
      const d = this.ctx.dump(h) as unknown;
      e = typeof d === 'object' && d !== null ? (d as typeof e) : { name: 'Error', message: String(d) };
    } catch {
      e = { name: 'InternalError', message: 'out of memory' };
    }
    h.dispose();
    if (e.name === 'InternalError' && e.message === 'interrupted') return { kind: 'interrupted', detail: `ran longer than ${this.host.limits.callbackMs} ms`, ms: 0 };
    if (e.name === 'InternalError' && (e.message === 'out of memory' || e.message === 'string too long')) return { kind: 'oom', detail: `out of memory (${this.memory.buffer.byteLength} bytes)`, ms: 0 };
    if (e.name === 'InternalError' && e.message === 'stack overflow') return { kind: 'stack', detail: 'stack overflow', ms: 0 };
    if (otherwise === 'bundle') return { kind: 'bundle', detail: `${e.name}: ${e.message}`, ms: 0 };
    this.host.event('error', { message: `${e.name}: ${e.message}`, stack: e.stack ?? '' });
    return null;
  }

  /** Stops timers and drops the instance; its memory goes with it. */
  dispose(): void {
    this.alive = false;
    for (const t of this.timers.values()) appTimers.cancel(t);
    this.timers.clear();
  }
}

/** Builds the error envelope a capability returns. */
export function guestError(name: string, message: string, extra: Partial<GuestErrorInfo> = {}): GuestErrorInfo {
  return { name, message, ...extra };
}
