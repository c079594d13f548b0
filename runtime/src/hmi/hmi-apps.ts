import { EventEmitter } from 'node:events';
import { TemplateError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { NotificationCenter } from './hmi-alerts.ts';
import type { Severity } from './protocol.ts';
import { limitStack, RefreshLimiter } from '../ui-templates/template-limits.ts';
import type { Template, TemplateCut } from '../ui-templates/template-types.ts';
import { validateTemplate } from '../ui-templates/template-validate.ts';

/**
 * What the HMI needs of the app platform (runtime/src/app-host `AppHost`): its `ui` and
 * `notification` events and the latest template per app. Structural, so tests can hand in an
 * EventEmitter.
 */
export interface AppSurfaceSource extends EventEmitter {
  readonly templates: ReadonlyMap<string, { template: unknown; stack?: readonly unknown[]; timeMs: number }>;
}

/** One app's surface as screens get it: what may be shown now, and what the limits cut. */
export interface AppSurface {
  appId: string;
  /** The task's template stack, bottom first (the app renders, pushes and pops; the HMI draws the top). */
  stack: Template[];
  cuts: TemplateCut[];
  timeMs: number;
}

const LEVELS: readonly Severity[] = ['info', 'warning', 'critical'];

/**
 * Between the app platform and the screens: every template an app renders is validated (a bad
 * one is logged with the app id and JSON path and the last good one stays), limited for driving
 * (lists <= 6, secondary text <= 2 lines, no text input, depth <= 5) and paced (<= 1 refresh/s
 * per app while driving). What the limits cut is logged and reported, never shown. App
 * notifications go to the notification centre. Emits `surface` (AppSurface).
 */
export class HmiApps extends EventEmitter {
  private readonly valid = new Map<string, { stack: Template[]; timeMs: number }>();
  private readonly shown = new Map<string, AppSurface>();
  private readonly refresh: RefreshLimiter<Template[]>;
  private timer: NodeJS.Timeout | null = null;
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly source: AppSurfaceSource,
    private readonly notifications: NotificationCenter,
    private readonly driving: () => boolean,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
    /** Does the app hold this permission (`actuator:<path>`)? A control must be bound to a granted action. */
    private readonly granted: (appId: string, permission: string) => boolean = () => false,
  ) {
    super();
    this.refresh = new RefreshLimiter(clock);
    for (const [appId, t] of source.templates) this.render(appId, t.template, t.stack);
    const onUi = (appId: string, template: unknown, stack?: readonly unknown[]): void => this.render(appId, template, stack);
    const onNotify = (appId: string, n: { title: string; body?: string; level?: string }): void => {
      this.notifications.raise(appId, LEVELS.includes(n.level as Severity) ? (n.level as Severity) : 'info', n.title, n.body ?? '');
    };
    source.on('ui', onUi);
    source.on('notification', onNotify);
    this.stops.push(() => source.off('ui', onUi), () => source.off('notification', onNotify));
  }

  /** What each app shows now. */
  get surfaces(): AppSurface[] {
    return [...this.shown.values()];
  }

  /**
   * Validates and offers one render of an app: its task stack (bottom first), or only `template`
   * when no stack comes with it. A stack with a template that fails validation is logged and dropped.
   */
  render(appId: string, template: unknown, stackIn?: readonly unknown[]): void {
    let stack: Template[];
    try {
      stack = (stackIn ?? [template]).map((x, i) => this.check(appId, x, stackIn ? `$[${i}]` : '$'));
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      this.log.log('warn', 'app template refused', { app: appId, path: err.path, reason: err.reason });
      return;
    }
    this.valid.set(appId, { stack, timeMs: this.clock() });
    const passed = this.refresh.offer(appId, stack, this.driving());
    if (passed) this.show(appId, passed.value, passed.cuts);
    else this.schedule();
  }

  private check(appId: string, template: unknown, path: string): Template {
    const t = validateTemplate(appId, template, path);
    if (t.kind === 'control' && !this.granted(appId, `actuator:${t.control.action}`)) {
      throw new TemplateError(appId, `${path}.control.action`, `${t.control.action} is not an action granted to the app`);
    }
    return t;
  }

  /** The UX restriction changed: every surface is limited again (more shown when parked, less when driving). */
  restrictionChanged(): void {
    for (const [appId, v] of this.valid) this.show(appId, v.stack, []);
  }

  private schedule(): void {
    const due = this.refresh.nextDueMs();
    if (due === null || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      for (const d of this.refresh.due()) this.show(d.appId, d.value, d.cuts);
      this.schedule();
    }, Math.max(0, due - this.clock()));
  }

  private show(appId: string, stack: Template[], refreshCuts: TemplateCut[]): void {
    const limited = limitStack(appId, stack, this.driving());
    const cuts = [...refreshCuts, ...limited.cuts];
    for (const c of cuts) this.log.log('warn', 'template cut while driving', { app: c.appId, rule: c.rule, path: c.path, detail: c.detail });
    const surface: AppSurface = { appId, stack: limited.value, cuts, timeMs: this.clock() };
    this.shown.set(appId, surface);
    this.emit('surface', surface);
  }

  close(): void {
    for (const stop of this.stops) stop();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
