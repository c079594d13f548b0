import type { Template, TemplateCut, TemplateItem } from './template-types.ts';

/**
 * The driving limits (cf. Android Automotive's UX restrictions): what a glance allows.
 * Content over a limit is cut and reported, never shown.
 */
export const DRIVING_LIMITS = {
  /** Items in a list or grid. */
  listItems: 6,
  /** Lines of secondary text per item (a line: a '\n' or `lineChars` characters). */
  secondaryLines: 2,
  /** Characters that fit on one secondary line in the narrowest (1280 px) layout. */
  lineChars: 60,
  /** Templates in one task's stack. */
  depth: 5,
  /** Shortest time between two renders of one app (ms): at most 1 refresh per second. */
  refreshMs: 1000,
} as const;

/** The result of limiting: what may be shown, and what was cut (to be logged). */
export interface Limited<T> {
  value: T;
  cuts: TemplateCut[];
}

/**
 * Counts display lines (each '\n' ends one; a long line wraps every `width` characters) and
 * returns the text up to the end of line `max`.
 */
function cutAfterLines(text: string, max: number, width: number): { kept: string; total: number } {
  let total = 0;
  let end = text.length;
  let offset = 0;
  for (const seg of text.split('\n')) {
    const n = Math.max(1, Math.ceil(seg.length / width));
    for (let k = 0; k < n; k++) if (++total === max) end = offset + Math.min(seg.length, (k + 1) * width);
    offset += seg.length + 1;
  }
  return { kept: total > max ? text.slice(0, end) : text, total };
}

function limitItems(appId: string, items: TemplateItem[], path: string, cuts: TemplateCut[]): TemplateItem[] {
  const max = DRIVING_LIMITS.listItems;
  if (items.length > max) cuts.push({ appId, rule: 'LIST_ITEMS', path: `${path}.items[${max}..${items.length - 1}]`, detail: `${items.length} items; ${max} shown while driving` });
  return items.slice(0, max).map((it, i) => {
    if (it.detail === undefined) return it;
    const { kept, total } = cutAfterLines(it.detail, DRIVING_LIMITS.secondaryLines, DRIVING_LIMITS.lineChars);
    if (total <= DRIVING_LIMITS.secondaryLines) return it;
    cuts.push({ appId, rule: 'SECONDARY_LINES', path: `${path}.items[${i}].detail`, detail: `${total} lines; ${DRIVING_LIMITS.secondaryLines} shown while driving` });
    return { ...it, detail: kept.trimEnd() + '…' };
  });
}

/** Removes a template's text field while driving. */
function withoutInput<T extends { input?: unknown }>(appId: string, t: T, path: string, cuts: TemplateCut[]): T {
  if (t.input === undefined) return t;
  cuts.push({ appId, rule: 'TEXT_INPUT', path: `${path}.input`, detail: 'no text input while driving' });
  const { input: _input, ...rest } = t;
  return rest as T;
}

/** Applies the driving limits to one (validated) template. Parked, it comes back unchanged. */
export function limitTemplate(appId: string, t: Template, driving: boolean, path = '$'): Limited<Template> {
  const cuts: TemplateCut[] = [];
  if (!driving) return { value: t, cuts };
  switch (t.kind) {
    case 'list':
      return { value: withoutInput(appId, { ...t, items: limitItems(appId, t.items, path, cuts) }, path, cuts), cuts };
    case 'grid':
      return { value: { ...t, items: limitItems(appId, t.items, path, cuts) }, cuts };
    case 'pane': {
      const max = DRIVING_LIMITS.listItems;
      if (t.rows.length > max) cuts.push({ appId, rule: 'LIST_ITEMS', path: `${path}.rows[${max}..${t.rows.length - 1}]`, detail: `${t.rows.length} rows; ${max} shown while driving` });
      return { value: withoutInput(appId, { ...t, rows: t.rows.slice(0, max) }, path, cuts), cuts };
    }
    case 'status': {
      const max = DRIVING_LIMITS.listItems;
      if (t.items.length > max) cuts.push({ appId, rule: 'LIST_ITEMS', path: `${path}.items[${max}..${t.items.length - 1}]`, detail: `${t.items.length} items; ${max} shown while driving` });
      return { value: { ...t, items: t.items.slice(0, max) }, cuts };
    }
    default:
      return { value: t, cuts };
  }
}

/**
 * Applies the driving limits to a task's stack of templates (bottom first): at most 5 deep —
 * the deepest ones beyond that are cut — and each template limited.
 */
export function limitStack(appId: string, stack: Template[], driving: boolean): Limited<Template[]> {
  const cuts: TemplateCut[] = [];
  let kept = stack;
  if (driving && stack.length > DRIVING_LIMITS.depth) {
    cuts.push({ appId, rule: 'DEPTH', path: `$[${DRIVING_LIMITS.depth}..${stack.length - 1}]`, detail: `${stack.length} templates deep; ${DRIVING_LIMITS.depth} allowed while driving` });
    kept = stack.slice(0, DRIVING_LIMITS.depth);
  }
  const value = kept.map((t, i) => {
    const r = limitTemplate(appId, t, driving, `$[${i}]`);
    cuts.push(...r.cuts);
    return r.value;
  });
  return { value, cuts };
}

/**
 * At most one render per app per second while driving: a render sooner than that is held and
 * the latest held one goes out when the second is over (`due`); renders it replaced are counted
 * as cut. Parked, every render passes. The clock is injected (ms).
 */
export class RefreshLimiter<T> {
  private readonly last = new Map<string, number>();
  private readonly held = new Map<string, { value: T; replaced: number }>();

  constructor(private readonly clock: () => number) {}

  /** Offers a render; returns it when it may be shown now, else null (held; see `due`). */
  offer(appId: string, value: T, driving: boolean): { value: T; cuts: TemplateCut[] } | null {
    const now = this.clock();
    const last = this.last.get(appId) ?? -Infinity;
    if (!driving || now - last >= DRIVING_LIMITS.refreshMs) {
      const prev = this.held.get(appId);
      this.held.delete(appId);
      this.last.set(appId, now);
      return { value, cuts: prev ? [this.cut(appId, prev.replaced + 1)] : [] };
    }
    const prev = this.held.get(appId);
    this.held.set(appId, { value, replaced: prev ? prev.replaced + 1 : 0 });
    return null;
  }

  /** When the next held render may go out (ms), or null when none is held. */
  nextDueMs(): number | null {
    let due: number | null = null;
    for (const id of this.held.keys()) {
      const t = this.last.get(id)! + DRIVING_LIMITS.refreshMs;
      due = due === null ? t : Math.min(due, t);
    }
    return due;
  }

  /** Releases the held renders whose second is over. */
  due(): { appId: string; value: T; cuts: TemplateCut[] }[] {
    const now = this.clock();
    const out: { appId: string; value: T; cuts: TemplateCut[] }[] = [];
    for (const [appId, h] of this.held) {
      if (now - this.last.get(appId)! < DRIVING_LIMITS.refreshMs) continue;
      this.held.delete(appId);
      this.last.set(appId, now);
      out.push({ appId, value: h.value, cuts: h.replaced > 0 ? [this.cut(appId, h.replaced)] : [] });
    }
    return out;
  }

  private cut(appId: string, n: number): TemplateCut {
    return { appId, rule: 'REFRESH', path: '$', detail: `${n} render(s) within 1 s replaced by a newer one; at most 1 refresh/s while driving` };
  }
}
