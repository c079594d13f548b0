import { TemplateError } from '../../errors.ts';
import { validateTemplate, type Template, type TemplateKind } from '../../ui-templates/index.ts';

/** Largest template an app may render, as JSON (bytes). */
export const MAX_TEMPLATE_BYTES = 16 * 1024;

/** A validated UI template (the shared model, runtime/src/ui-templates; apps/sdk exports it as `UiTemplate`). */
export type UiTemplate = Template;

/** A notification as validated (`notify`). */
export interface AppNotification {
  title: string;
  body: string;
  level: 'info' | 'warning' | 'critical';
}

const text = (v: unknown, max: number, optional = false): boolean => (v === undefined && optional) || (typeof v === 'string' && v.length <= max && (optional || v.length > 0));
const only = (v: Record<string, unknown>, keys: string[]): string | null => Object.keys(v).find((k) => !keys.includes(k)) ?? null;
const LEVELS = ['info', 'warning', 'critical'];

/**
 * Checks a template app `appId` rendered: its size, the shared validator (runtime/src/ui-templates)
 * and the kinds and actuators its manifest declared. Returns the clean template, or the located error
 * (`app ID: template $.items[2].title: ...`).
 */
export function checkTemplate(appId: string, t: unknown, granted: { ui: readonly TemplateKind[]; actuators: readonly string[] }): Template | TemplateError {
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(t) ?? '');
  } catch {
    return new TemplateError(appId, '$', 'not JSON');
  }
  if (size > MAX_TEMPLATE_BYTES) return new TemplateError(appId, '$', `${size} bytes; the limit is ${MAX_TEMPLATE_BYTES}`);
  try {
    const v = validateTemplate(appId, t);
    if (!granted.ui.includes(v.kind)) return new TemplateError(appId, '$.kind', `the app did not declare the ${v.kind} template in app.json permissions.ui`);
    // A control is bound to one of the app's own actuators: the policy then judges it with the app's grants.
    if (v.kind === 'control' && !granted.actuators.includes(v.control.action)) return new TemplateError(appId, '$.control.action', `${v.control.action} is not an actuator the app declared`);
    return v;
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
}

/** Checks a notification. Returns the problem, or null. */
export function notificationProblem(n: unknown): string | null {
  if (typeof n !== 'object' || n === null) return 'notify takes {title, body, level?}';
  const v = n as Record<string, unknown>;
  if (only(v, ['title', 'body', 'level'])) return `notification has no field ${JSON.stringify(only(v, ['title', 'body', 'level']))}`;
  if (!text(v['title'], 80) || !text(v['body'], 280, true)) return 'notification needs title (<= 80 chars) and optional body (<= 280)';
  if (v['level'] !== undefined && !LEVELS.includes(v['level'] as string)) return 'level is info, warning or critical';
  return null;
}
