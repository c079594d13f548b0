import type { TemplateKind } from '../manifest/manifest.ts';

/** Largest template an app may render, as JSON (bytes). */
export const MAX_TEMPLATE_BYTES = 16 * 1024;

/** A validated UI template (the types apps/sdk exports as `UiTemplate`). */
export type UiTemplate =
  | { kind: 'tile'; title: string; value?: string; unit?: string; icon?: string; actions?: { id: string; label: string }[] }
  | { kind: 'list'; title: string; items: { title: string; detail?: string }[] }
  | { kind: 'gauge'; title: string; value: number; min: number; max: number; unit?: string }
  | { kind: 'alert'; title: string; body: string; level: 'info' | 'warning' | 'critical' };

/** A notification as validated (`notify`). */
export interface AppNotification {
  title: string;
  body: string;
  level: 'info' | 'warning' | 'critical';
}

type Check = (v: Record<string, unknown>) => string | null;

const text = (v: unknown, max: number, optional = false): boolean => (v === undefined && optional) || (typeof v === 'string' && v.length <= max && (optional || v.length > 0));
const only = (v: Record<string, unknown>, keys: string[]): string | null => Object.keys(v).find((k) => !keys.includes(k)) ?? null;
const LEVELS = ['info', 'warning', 'critical'];

const CHECKS: Record<TemplateKind, Check> = {
  tile(v) {
    if (!text(v['title'], 40) || !text(v['value'], 40, true) || !text(v['unit'], 10, true) || !text(v['icon'], 32, true)) return 'tile needs title (<= 40 chars), optional value (<= 40), unit (<= 10), icon (<= 32)';
    const acts = v['actions'];
    if (acts === undefined) return null;
    if (!Array.isArray(acts) || acts.length > 4) return 'tile actions: at most 4';
    for (const a of acts as Record<string, unknown>[]) if (typeof a !== 'object' || a === null || !text(a['id'], 32) || !text(a['label'], 24)) return 'tile action needs id (<= 32) and label (<= 24)';
    return null;
  },
  list(v) {
    if (!text(v['title'], 40)) return 'list needs a title (<= 40 chars)';
    const items = v['items'];
    if (!Array.isArray(items) || items.length > 20) return 'list needs items: an array of at most 20';
    for (const it of items as Record<string, unknown>[]) if (typeof it !== 'object' || it === null || !text(it['title'], 60) || !text(it['detail'], 120, true)) return 'list item needs title (<= 60) and optional detail (<= 120)';
    return null;
  },
  gauge(v) {
    const n = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x);
    if (!text(v['title'], 40) || !n(v['value']) || !n(v['min']) || !n(v['max']) || !text(v['unit'], 10, true)) return 'gauge needs title, finite value, min, max, optional unit';
    return (v['min'] as number) < (v['max'] as number) ? null : 'gauge min must be below max';
  },
  alert(v) {
    if (!text(v['title'], 60) || !text(v['body'], 280) || !LEVELS.includes(v['level'] as string)) return 'alert needs title (<= 60), body (<= 280), level info|warning|critical';
    return null;
  },
};

const KEYS: Record<TemplateKind, string[]> = {
  tile: ['kind', 'title', 'value', 'unit', 'icon', 'actions'],
  list: ['kind', 'title', 'items'],
  gauge: ['kind', 'title', 'value', 'min', 'max', 'unit'],
  alert: ['kind', 'title', 'body', 'level'],
};

/** Checks a template an app rendered against the kinds it was granted. Returns the problem, or null. */
export function templateProblem(t: unknown, allowed: readonly TemplateKind[]): string | null {
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(t) ?? '');
  } catch {
    return 'template is not JSON';
  }
  if (size > MAX_TEMPLATE_BYTES) return `template is ${size} bytes; the limit is ${MAX_TEMPLATE_BYTES}`;
  if (typeof t !== 'object' || t === null || Array.isArray(t)) return 'template must be an object with a kind';
  const v = t as Record<string, unknown>;
  const kind = v['kind'] as TemplateKind;
  if (!(kind in CHECKS)) return `unknown template kind ${JSON.stringify(v['kind'])}`;
  if (!allowed.includes(kind)) return `the app did not declare the ${kind} template`;
  const extra = only(v, KEYS[kind]);
  return extra ? `${kind} has no field ${JSON.stringify(extra)}` : CHECKS[kind](v);
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
