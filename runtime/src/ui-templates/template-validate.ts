import { TemplateError } from '../errors.ts';
import type { Control, Level, Template, TemplateItem, TextInput } from './template-types.ts';

/** Every template kind, in the order the SDK documents them (app.json `permissions.ui` names a subset). */
export const TEMPLATE_KINDS = ['list', 'grid', 'pane', 'alert', 'tile', 'control', 'gauge', 'status'] as const satisfies readonly Template['kind'][];

/** Structural bounds that hold parked too (the driving limits are in template-limits.ts). */
export const BOUNDS = { title: 60, itemTitle: 80, detail: 280, items: 50, rows: 20, actions: 4, id: 64, value: 40 } as const;

const LEVELS: readonly Level[] = ['info', 'warning', 'critical'];
type Obj = Record<string, unknown>;

/** Reads one app's template with located errors: every failure names the app and the JSON path. */
class Reader {
  constructor(readonly appId: string) {}

  fail(path: string, reason: string): never {
    throw new TemplateError(this.appId, path, reason);
  }

  obj(v: unknown, path: string, keys: readonly string[]): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'expected an object');
    const extra = Object.keys(v).find((k) => !keys.includes(k));
    if (extra !== undefined) this.fail(`${path}.${extra}`, `unknown field (expected ${keys.join(', ')})`);
    return v as Obj;
  }

  str(o: Obj, k: string, path: string, max: number): string {
    const v = o[k];
    if (typeof v !== 'string' || v.length === 0) this.fail(`${path}.${k}`, 'expected a non-empty string');
    if (v.length > max) this.fail(`${path}.${k}`, `${v.length} characters; at most ${max}`);
    return v;
  }

  optStr(o: Obj, k: string, path: string, max: number): string | undefined {
    return o[k] === undefined ? undefined : this.str(o, k, path, max);
  }

  num(o: Obj, k: string, path: string): number {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${path}.${k}`, 'expected a finite number');
    return v;
  }

  arr(o: Obj, k: string, path: string, max: number): unknown[] {
    const v = o[k];
    if (!Array.isArray(v)) this.fail(`${path}.${k}`, 'expected an array');
    if (v.length > max) this.fail(`${path}.${k}`, `${v.length} entries; at most ${max}`);
    return v;
  }

  level(o: Obj, k: string, path: string): Level {
    const v = o[k] as Level;
    if (!LEVELS.includes(v)) this.fail(`${path}.${k}`, 'expected info, warning or critical');
    return v;
  }
}

function item(r: Reader, v: unknown, path: string): TemplateItem {
  const o = r.obj(v, path, ['title', 'detail', 'icon', 'action']);
  const out: TemplateItem = { title: r.str(o, 'title', path, BOUNDS.itemTitle) };
  const detail = r.optStr(o, 'detail', path, BOUNDS.detail);
  const icon = r.optStr(o, 'icon', path, 32);
  const action = r.optStr(o, 'action', path, BOUNDS.id);
  return { ...out, ...(detail !== undefined ? { detail } : {}), ...(icon !== undefined ? { icon } : {}), ...(action !== undefined ? { action } : {}) };
}

function input(r: Reader, o: Obj, path: string): { input?: TextInput } {
  if (o['input'] === undefined) return {};
  const p = `${path}.input`;
  const i = r.obj(o['input'], p, ['id', 'placeholder']);
  const placeholder = r.optStr(i, 'placeholder', p, BOUNDS.title);
  return { input: { id: r.str(i, 'id', p, BOUNDS.id), ...(placeholder !== undefined ? { placeholder } : {}) } };
}

function actions(r: Reader, o: Obj, path: string): { actions?: { id: string; label: string }[] } {
  if (o['actions'] === undefined) return {};
  return { actions: r.arr(o, 'actions', path, BOUNDS.actions).map((a, i) => {
    const p = `${path}.actions[${i}]`;
    const x = r.obj(a, p, ['id', 'label']);
    return { id: r.str(x, 'id', p, BOUNDS.id), label: r.str(x, 'label', p, 24) };
  }) };
}

function control(r: Reader, v: unknown, path: string): Control {
  const t = (v as Obj | null)?.['type'];
  if (t === 'toggle') {
    const o = r.obj(v, path, ['type', 'action', 'value']);
    if (typeof o['value'] !== 'boolean') r.fail(`${path}.value`, 'expected true or false');
    return { type: 'toggle', action: r.str(o, 'action', path, 200), value: o['value'] };
  }
  if (t === 'slider') {
    const o = r.obj(v, path, ['type', 'action', 'value', 'min', 'max', 'step']);
    const [min, max, step, value] = [r.num(o, 'min', path), r.num(o, 'max', path), r.num(o, 'step', path), r.num(o, 'value', path)];
    if (!(min < max)) r.fail(`${path}.max`, 'must be above min');
    if (!(step > 0)) r.fail(`${path}.step`, 'must be positive');
    if (value < min || value > max) r.fail(`${path}.value`, `${value} is outside [${min}, ${max}]`);
    return { type: 'slider', action: r.str(o, 'action', path, 200), value, min, max, step };
  }
  return r.fail(`${path}.type`, 'expected toggle or slider');
}

type Check = (r: Reader, o: unknown, p: string) => Template;

const KINDS: Record<Template['kind'], Check> = {
  list: (r, v, p) => {
    const o = r.obj(v, p, ['kind', 'title', 'items', 'input']);
    return { kind: 'list', title: r.str(o, 'title', p, BOUNDS.title), items: r.arr(o, 'items', p, BOUNDS.items).map((x, i) => item(r, x, `${p}.items[${i}]`)), ...input(r, o, p) };
  },
  grid: (r, v, p) => {
    const o = r.obj(v, p, ['kind', 'title', 'items']);
    return { kind: 'grid', title: r.str(o, 'title', p, BOUNDS.title), items: r.arr(o, 'items', p, BOUNDS.items).map((x, i) => item(r, x, `${p}.items[${i}]`)) };
  },
  pane: (r, v, p) => {
    const o = r.obj(v, p, ['kind', 'title', 'rows', 'actions', 'input']);
    const rows = r.arr(o, 'rows', p, BOUNDS.rows).map((x, i) => {
      const q = `${p}.rows[${i}]`;
      const row = r.obj(x, q, ['label', 'value']);
      return { label: r.str(row, 'label', q, BOUNDS.title), value: r.str(row, 'value', q, BOUNDS.detail) };
    });
    return { kind: 'pane', title: r.str(o, 'title', p, BOUNDS.title), rows, ...actions(r, o, p), ...input(r, o, p) };
  },
  alert: (r, v, p) => {
    const o = r.obj(v, p, ['kind', 'title', 'body', 'level']);
    return { kind: 'alert', title: r.str(o, 'title', p, BOUNDS.title), body: r.str(o, 'body', p, BOUNDS.detail), level: r.level(o, 'level', p) };
  },
  tile: (r, v, p) => {
    const o = r.obj(v, p, ['kind', 'title', 'value', 'unit', 'icon', 'actions']);
    const value = r.optStr(o, 'value', p, BOUNDS.value);
    const unit = r.optStr(o, 'unit', p, 10);
    const icon = r.optStr(o, 'icon', p, 32);
    return { kind: 'tile', title: r.str(o, 'title', p, BOUNDS.title), ...(value !== undefined ? { value } : {}), ...(unit !== undefined ? { unit } : {}), ...(icon !== undefined ? { icon } : {}), ...actions(r, o, p) };
  },
  control: (r, v, p) => {
    const o = r.obj(v, p, ['kind', 'title', 'control']);
    return { kind: 'control', title: r.str(o, 'title', p, BOUNDS.title), control: control(r, o['control'], `${p}.control`) };
  },
  gauge: (r, v, p) => {
    const o = r.obj(v, p, ['kind', 'title', 'value', 'min', 'max', 'unit']);
    const [value, min, max] = [r.num(o, 'value', p), r.num(o, 'min', p), r.num(o, 'max', p)];
    if (!(min < max)) r.fail(`${p}.max`, 'must be above min');
    const unit = r.optStr(o, 'unit', p, 10);
    return { kind: 'gauge', title: r.str(o, 'title', p, BOUNDS.title), value, min, max, ...(unit !== undefined ? { unit } : {}) };
  },
  status: (r, v, p) => {
    const o = r.obj(v, p, ['kind', 'title', 'items']);
    const items = r.arr(o, 'items', p, BOUNDS.rows).map((x, i) => {
      const q = `${p}.items[${i}]`;
      const it = r.obj(x, q, ['label', 'value', 'level']);
      return { label: r.str(it, 'label', q, BOUNDS.title), value: r.str(it, 'value', q, BOUNDS.value), ...(it['level'] !== undefined ? { level: r.level(it, 'level', q) } : {}) };
    });
    return { kind: 'status', title: r.str(o, 'title', p, BOUNDS.title), items };
  },
};

/**
 * Checks one template an app rendered and returns a clean copy (no unknown fields).
 * @throws TemplateError naming the app and the JSON path, e.g. `app weather: template $.items[2].title: expected a non-empty string`.
 */
export function validateTemplate(appId: string, value: unknown, path = '$'): Template {
  const r = new Reader(appId);
  const kind = (value as Obj | null)?.['kind'];
  if (typeof kind !== 'string' || !(kind in KINDS)) r.fail(`${path}.kind`, `expected one of ${Object.keys(KINDS).join(', ')}`);
  return KINDS[kind as Template['kind']](r, value, path);
}
