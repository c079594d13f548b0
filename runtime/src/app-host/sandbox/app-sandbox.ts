import { EventEmitter, once } from 'node:events';
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { GrantState } from '../permissions/tiers.ts';
import type { AppEventKind, AppMetrics, AppSpec, FromWorker, GuestErrorInfo, HostOp, SignalTuple, ToWorker } from './protocol.ts';

/** Answers an app's request on the main thread (the policy, cloud, network); rejects with a GuestErrorInfo. */
export type RequestHandler = (appId: string, op: HostOp, args: unknown) => Promise<unknown>;

/** One event from an app (see `AppEventKind`). */
export interface SandboxEvent {
  appId: string;
  kind: AppEventKind;
  detail: Record<string, unknown>;
}

/**
 * How much lower the app thread's priority is than the decode thread's (Linux nice, per thread).
 * Under load the scheduler then runs the decode loop first; with idle cores it changes nothing.
 */
export const APP_THREAD_NICE = 10;

/** How long `close()` waits for the app thread to send what it held (ms). */
const CLOSE_WAIT_MS = 500;

/** How often the process's other threads are looked at again (new ones start at the creator's priority; ms). */
const RENICE_EVERY_MS = 10_000;

/**
 * Lowers every thread of this process but the calling (decode) thread to `nice`: besides the app
 * thread, V8's compiler and GC helper threads and libuv's pool. Under hostile apps those helpers
 * (compiling QuickJS's interpreter to optimised code, collecting the app thread's garbage) took
 * the cores from the decode loop for up to 250 ms at a time while they ran at its priority; at
 * nice 10 the largest gap was under 10 ms (`npm run bench:apps`). Linux only (per-thread nice);
 * returns how many threads it lowered, or null where it cannot.
 */
export function lowerOtherThreads(nice: number): number | null {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  let n = 0;
  for (const t of tids) {
    const tid = Number(t);
    if (tid === process.pid) continue;
    try {
      if (getPriority(tid) >= nice) continue;
      setPriority(tid, nice);
      n++;
    } catch {
      // the thread ended meanwhile, or may not be lowered: it keeps its priority
    }
  }
  return n;
}

/** Starts a worker through a bootstrap that registers tsx (Node 20 ignores `--import` for worker entries). */
function startWorker(dataDir: string | null, nice: number, holdLogs: boolean): Worker {
  const entry = new URL('./sandbox-worker.ts', import.meta.url).href;
  // import.meta.resolve is missing under the CommonJS test loader; resolve the ESM entry by path.
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, execArgv: [], workerData: { dataDir, nice, holdLogs } });
}

/**
 * The main thread's side of the app thread: sends loads, grant changes and one batch of
 * deliveries per tick; answers requests through `onRequest`; emits `event` (SandboxEvent) and
 * keeps the latest per-app metrics. If the worker itself dies, `event` reports it for every app.
 */
export class AppSandbox extends EventEmitter {
  metrics: Record<string, AppMetrics> = {};
  /** Tick messages sent, and handled by the app thread as of its last metrics (at most a second old). */
  private ticksSent = 0;
  private ticksDone = 0;
  /** Why the app thread runs at the decode thread's priority after all (null: it is lowered as asked). */
  niceProblem: string | null = null;
  private readonly worker: Worker;
  private closed = false;
  private renice: NodeJS.Timeout | null = null;

  private constructor(
    worker: Worker,
    private readonly onRequest: RequestHandler,
  ) {
    super();
    this.worker = worker;
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => this.emit('event', { appId: '-', kind: 'error', detail: { message: `app thread failed: ${err.message}` } } satisfies SandboxEvent));
    // `exit` (code): the app thread is gone, closed or not; nothing it did (checkpoints) goes on.
    worker.on('exit', (code) => this.emit('exit', code));
  }

  /**
   * Starts the app thread; `dataDir` holds the storage (null: in memory). The thread runs at
   * `nice` (default APP_THREAD_NICE) above the decode thread: lower priority. With `holdLogs`,
   * the apps' log lines come with the app thread's next message, at most a second late (the
   * runtime writes them to the database once a second anyway); without, each at once.
   */
  static async start(dataDir: string | null, onRequest: RequestHandler, o: { nice?: number; holdLogs?: boolean } = {}): Promise<AppSandbox> {
    const nice = o.nice ?? APP_THREAD_NICE;
    const w = startWorker(dataDir, nice, o.holdLogs ?? false);
    const sb = new AppSandbox(w, onRequest);
    await new Promise<void>((resolve, reject) => {
      const onMsg = (m: FromWorker): void => {
        if (m.t !== 'ready') return;
        sb.niceProblem = m.niceProblem ?? null;
        w.off('message', onMsg);
        resolve();
      };
      w.on('message', onMsg);
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`the app thread exited with code ${code} before it was ready`)));
    });
    // The decode thread (this one, the process's main thread) alone keeps its priority.
    if (nice > 0 && lowerOtherThreads(nice) !== null) {
      sb.renice = setInterval(() => lowerOtherThreads(nice), RENICE_EVERY_MS);
      sb.renice.unref();
    }
    return sb;
  }

  private post(m: ToWorker): void {
    if (!this.closed) this.worker.postMessage(m);
  }

  private onMessage(m: FromWorker): void {
    if (m.t === 'event') this.emit('event', { appId: m.appId, kind: m.kind, detail: m.detail } satisfies SandboxEvent);
    else if (m.t === 'events') for (const e of m.list) this.emit('event', { appId: e.appId, kind: e.kind, detail: e.detail } satisfies SandboxEvent);
    else if (m.t === 'metrics') {
      this.metrics = m.apps;
      this.ticksDone = m.ticks;
    }
    else if (m.t === 'request') {
      this.onRequest(m.appId, m.op, m.args).then(
        (value) => this.post({ t: 'reply', id: m.id, appId: m.appId, ok: true, value }),
        (err: GuestErrorInfo | Error) => this.post({ t: 'reply', id: m.id, appId: m.appId, ok: false, error: err instanceof Error ? { name: 'Unavailable', message: err.message } : err }),
      );
    }
  }

  /** Starts an app (replacing a running one with the same id); `started` or `stopped` follows as an event. */
  load(app: AppSpec): void {
    this.post({ t: 'load', app });
  }

  unload(appId: string): void {
    this.post({ t: 'unload', appId });
  }

  /** The driver restarts a stopped or quarantined app. */
  restart(appId: string): void {
    this.post({ t: 'restart', appId });
  }

  grants(appId: string, grants: Record<string, GrantState>): void {
    this.post({ t: 'grants', appId, grants });
  }

  /** One tick: every app's waiting values (the vehicle state goes with `deliver(id, 'state')` at once). */
  tick(signals: Record<string, SignalTuple[]>): void {
    this.ticksSent++;
    this.post({ t: 'tick', signals });
  }

  /** Ticks sent that the app thread had not handled when it last reported (about one a second). */
  get tickBacklog(): number {
    return this.ticksSent - this.ticksDone;
  }

  deliver(appId: string, kind: 'cloud' | 'command' | 'ui-action' | 'state', data: unknown): void {
    this.post({ t: 'deliver', appId, kind, data });
  }

  /** Waits for the next event matching `pred` (tests, the CLI). */
  async waitFor(pred: (e: SandboxEvent) => boolean, timeoutMs = 5000): Promise<SandboxEvent> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), timeoutMs);
    try {
      for (;;) {
        const [e] = (await once(this, 'event', { signal: ac.signal })) as [SandboxEvent];
        if (pred(e)) return e;
      }
    } catch (err) {
      if (ac.signal.aborted) throw new Error(`no matching app event within ${timeoutMs} ms`);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Ends the app thread after it sent what it held (log lines; at most CLOSE_WAIT_MS, in case the
   * thread is stuck: it is ended all the same).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.post({ t: 'close' });
    this.closed = true;
    if (this.renice) clearInterval(this.renice);
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.worker.off('message', onMsg);
        this.worker.off('exit', done);
        resolve();
      };
      const onMsg = (m: FromWorker): void => {
        if (m.t === 'closing') done();
      };
      const timer = setTimeout(done, CLOSE_WAIT_MS);
      this.worker.on('message', onMsg);
      this.worker.once('exit', done);
    });
    await this.worker.terminate();
  }
}
