/**
 * The declarative templates apps render and the HMI draws (apps never draw). Field names follow
 * the app platform's `UiTemplate` (runtime/src/app-host/sandbox/ui-template.ts: `kind`, list
 * items `{title, detail}`, alert `{title, body, level}`, gauge, tile with `actions`); the HMI
 * adds grid, pane, status and control kinds. Types only: the UI bundle imports this file.
 */

export type Level = 'info' | 'warning' | 'critical';

/** A list or grid entry; `detail` is the secondary text (at most 2 lines while driving). */
export interface TemplateItem {
  title: string;
  detail?: string;
  icon?: string;
  /** Pressing it sends this action id to the app. */
  action?: string;
}

/** A text field (a search box). Never shown while driving. */
export interface TextInput {
  id: string;
  placeholder?: string;
}

/** A control bound to an action the app was granted: the HMI asks the policy, never the app. */
export type Control =
  | { type: 'toggle'; action: string; value: boolean }
  | { type: 'slider'; action: string; value: number; min: number; max: number; step: number };

export type Template =
  | { kind: 'list'; title: string; items: TemplateItem[]; input?: TextInput }
  | { kind: 'grid'; title: string; items: TemplateItem[] }
  | { kind: 'pane'; title: string; rows: { label: string; value: string }[]; actions?: { id: string; label: string }[]; input?: TextInput }
  | { kind: 'alert'; title: string; body: string; level: Level }
  | { kind: 'tile'; title: string; value?: string; unit?: string; icon?: string; actions?: { id: string; label: string }[] }
  | { kind: 'control'; title: string; control: Control }
  | { kind: 'gauge'; title: string; value: number; min: number; max: number; unit?: string }
  | { kind: 'status'; title: string; items: { label: string; value: string; level?: Level }[] };

export type TemplateKind = Template['kind'];

/** What the driving limiter removed from a template, for the log and the tests. */
export interface TemplateCut {
  appId: string;
  /** Which limit: LIST_ITEMS, SECONDARY_LINES, TEXT_INPUT, DEPTH, REFRESH. */
  rule: 'LIST_ITEMS' | 'SECONDARY_LINES' | 'TEXT_INPUT' | 'DEPTH' | 'REFRESH';
  /** JSON path of what was cut, e.g. `$[0].items[6..11]`. */
  path: string;
  detail: string;
}
