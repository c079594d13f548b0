import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { checkpoint, CHECKPOINT_EVERY_MS, openAppDb } from '../ledger/app-db.ts';
import { AppStorage } from './app-storage.ts';
import { warmUp } from './guest-instance.ts';
import type { FromWorker, GuestErrorInfo, ToWorker } from './protocol.ts';
import { appTimers } from './slack-timers.ts';
import { AppSupervisor, type SupervisorIo } from './supervisor.ts';

/** How often per-app metrics (and the log lines held meanwhile) are reported to the main thread (ms). */
const METRICS_EVERY_MS = 1000;
/** Log lines held before they go at once, whatever the time. */
const MAX_HELD_LOGS = 200;

/**
 * The app thread: every app's QuickJS instance lives here, off the decode thread. It takes
 * batched deliveries per tick from the main thread and sends back events and requests (the
 * action policy, cloud and network stay on the main thread).
 */
async function main(): Promise<void> {
  const port = parentPort!;
  const { dataDir, nice, holdLogs } = workerData as { dataDir: string | null; nice: number; holdLogs: boolean };
  const niceProblem = lowerPriority(nice);
  const db: Database.Database | null = dataDir ? openAppDb(dataDir) : null;
  const apps = new Map<string, AppSupervisor>();
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: GuestErrorInfo) => void }>();
  let nextId = 1;
  /** Tick messages handled (reported with the metrics). */
  let ticks = 0;
  // Log lines wait for the next message to the main thread (at the latest the metrics, each
  // second): ten apps logging once a second then wake the decode thread once, not ten times.
  let held: Extract<FromWorker, { t: 'event' }>[] = [];
  const flushHeld = (): void => {
    if (held.length === 0) return;
    const list = held;
    held = [];
    port.postMessage({ t: 'events', list } satisfies FromWorker);
  };
  const post = (m: FromWorker): void => {
    flushHeld();
    port.postMessage(m);
  };
  const io: SupervisorIo = {
    event: (appId, kind, detail) => {
      if (!holdLogs || kind !== 'log') return post({ t: 'event', appId, kind, detail });
      held.push({ t: 'event', appId, kind, detail });
      if (held.length >= MAX_HELD_LOGS) flushHeld();
    },
    request: (appId, op, args) =>
      new Promise<unknown>((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        post({ t: 'request', id, appId, op, args });
      }),
  };
  const handle = async (m: ToWorker): Promise<void> => {
    switch (m.t) {
      case 'load': {
        const id = m.app.manifest.id;
        apps.get(id)?.unload();
        const sup = new AppSupervisor(m.app, io, new AppStorage(id, m.app.manifest.permissions.storageKb * 1024, db));
        apps.set(id, sup);
        await sup.start();
        return;
      }
      case 'unload':
        apps.get(m.appId)?.unload();
        apps.delete(m.appId);
        // What its onStop logged goes now: an unload may be the last thing before the thread ends.
        flushHeld();
        return;
      case 'close':
        flushHeld();
        post({ t: 'closing' });
        return;
      case 'restart':
        await apps.get(m.appId)?.restart();
        return;
      case 'grants':
        apps.get(m.appId)?.setGrants(m.grants);
        return;
      case 'tick':
        ticks++;
        for (const [id, sup] of apps) sup.deliver(m.signals[id], null);
        // Awake anyway: the apps' timers already due fire now rather than wake the thread again.
        appTimers.runDue();
        return;
      case 'reply': {
        const w = waiting.get(m.id);
        waiting.delete(m.id);
        if (m.ok) w?.resolve(m.value);
        else w?.reject(m.error!);
        return;
      }
      case 'deliver':
        apps.get(m.appId)?.deliverOther(m.kind, m.data);
        return;
      default:
        return;
    }
  };
  let queue = Promise.resolve();
  port.on('message', (m: ToWorker) => {
    // Loads are async (instantiation); keep every message in arrival order behind them.
    queue = queue.then(() => handle(m)).catch((err: Error) => post({ t: 'event', appId: '-', kind: 'error', detail: { message: err.stack ?? err.message } }));
  });
  setInterval(() => {
    post({ t: 'metrics', apps: Object.fromEntries([...apps].map(([id, s]) => [id, s.metrics()])), ticks });
  }, METRICS_EVERY_MS).unref();
  // The ledger and logs are written on the main thread; their checkpoints happen here, off it.
  if (db) {
    setInterval(() => {
      try {
        checkpoint(db);
      } catch (err) {
        post({ t: 'event', appId: '-', kind: 'error', detail: { message: `apps.db checkpoint failed: ${(err as Error).message}` } });
      }
    }, CHECKPOINT_EVERY_MS).unref();
  }
  await warmUp();
  post({ t: 'ready', ...(niceProblem ? { niceProblem } : {}) });
}

/**
 * Gives this thread (only this one: Linux schedules threads, and `nice` is per thread there) a
 * lower priority than the decode thread, so apps that use all their CPU budget at once do not
 * delay the decode loop when the cores are busy. Returns why it could not, or null.
 */
function lowerPriority(nice: number): string | null {
  if (nice === 0) return null;
  try {
    // /proc/thread-self names the calling thread's task: its last part is the thread id.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(tid, nice);
    return null;
  } catch (err) {
    return `cannot lower the app thread's priority to nice ${nice}: ${(err as Error).message}`;
  }
}

void main();
