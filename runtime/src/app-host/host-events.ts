import type { AppHost } from './app-host.ts';
import type { LedgerKind } from './ledger/ledger.ts';
import type { SandboxEvent } from './sandbox/app-sandbox.ts';
import type { AppMetrics } from './sandbox/protocol.ts';
import type { AppNotification } from './sandbox/ui-template.ts';

/** Notifications kept in memory for the HMI. */
const MAX_NOTIFICATIONS = 100;

/** Events from the app thread that the ledger records as they are. */
const LEDGERED: Partial<Record<SandboxEvent['kind'], LedgerKind>> = {
  strike: 'strike', quarantine: 'quarantine', restart: 'restart', stopped: 'stopped',
  denied: 'denied', 'consent-request': 'consent-request', 'ui-invalid': 'ui-invalid', flood: 'denied',
};

/** Applies one event from the app thread: ledger, logs, templates, notifications, host events. */
export function applyEvent(host: AppHost, e: SandboxEvent): void {
  const { appId, kind, detail } = e;
  const ledgerKind = LEDGERED[kind];
  if (ledgerKind) host.state.ledger.record(appId, ledgerKind, kind === 'flood' ? { use: 'flood', ...detail } : detail);
  switch (kind) {
    case 'log':
      // When the app wrote it: log lines reach this thread up to a second later.
      return writeLog(host, appId, String(detail['level']), String(detail['message']), typeof detail['timeMs'] === 'number' ? detail['timeMs'] : Date.now());
    case 'error':
      return writeLog(host, appId, 'error', String(detail['message']));
    case 'ui':
      host.setTemplate(appId, detail['template'], (detail['op'] as 'render' | 'push' | 'pop' | undefined) ?? 'render');
      return;
    case 'notify': {
      const n = { ...(detail as unknown as AppNotification), appId, timeMs: Date.now() };
      host.notifications.push(n);
      if (host.notifications.length > MAX_NOTIFICATIONS) host.notifications.shift();
      host.state.ledger.record(appId, 'notify', { title: n.title, level: n.level });
      host.emit('notification', appId, n);
      return;
    }
    case 'audit':
      host.state.ledger.record(appId, 'app', { event: detail['event'], ...(detail['detail'] as object) });
      return;
    case 'command-result':
      host.commandDone(appId, detail['id'], detail['result']);
      return;
    case 'consent-request':
      host.emit('consent-request', appId, detail['permission']);
      return;
    case 'strike':
    case 'quarantine':
    case 'stopped':
      writeLog(host, appId, 'warn', `${kind}: ${JSON.stringify(detail)}`);
      host.deps.log.log('warn', `app ${kind}`, { app: appId, ...detail });
      host.emit('fault', appId, kind, detail);
      return;
    case 'started':
      host.deps.log.log('info', 'app started', { app: appId, ...detail });
      if ((detail['restarts'] as number) > 0) host.resync(appId);
      return;
    default:
      return;
  }
}

function writeLog(host: AppHost, appId: string, level: string, message: string, timeMs = Date.now()): void {
  host.appLogs.add(appId, level, message, timeMs);
}

/** Escapes a Prometheus label value. */
const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Per-app figures in the Prometheus text format (appended to the runtime's /metrics). */
export function metricsText(m: Record<string, AppMetrics>): string {
  const apps = Object.entries(m);
  const out: string[] = [];
  const metric = (name: string, type: string, help: string, f: (a: AppMetrics) => number): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [id, a] of apps) out.push(`${name}{app="${label(id)}"} ${f(a)}`);
  };
  metric('headunit_app_cpu_seconds_total', 'counter', 'CPU time spent in the app (its callbacks in the app thread).', (a) => a.cpuMsTotal / 1000);
  metric('headunit_app_cpu_seconds_last_second', 'gauge', 'CPU time the app used in its last one-second window.', (a) => a.cpuMsLastSecond / 1000);
  metric('headunit_app_heap_bytes', 'gauge', 'Bytes QuickJS has allocated for the app.', (a) => a.heapBytes);
  metric('headunit_app_memory_bytes', 'gauge', "Size of the app's WebAssembly memory (bounded; untouched pages cost no RSS).", (a) => a.wasmBytes);
  metric('headunit_app_strikes', 'gauge', 'Strikes in the current window.', (a) => a.strikes);
  metric('headunit_app_restarts_total', 'counter', 'Restarts after quarantine.', (a) => a.restarts);
  metric('headunit_app_max_callback_seconds', 'gauge', 'Longest single callback since the app started.', (a) => a.maxCallbackMs / 1000);
  out.push('# HELP headunit_app_running 1 when the app is running, 0 when quarantined or stopped.', '# TYPE headunit_app_running gauge');
  for (const [id, a] of apps) out.push(`headunit_app_running{app="${label(id)}",state="${a.state}"} ${a.state === 'running' ? 1 : 0}`);
  return out.join('\n') + '\n';
}
