import { useState } from 'preact/hooks';
import type { TemplateCut, Template, TemplateItem } from '../../ui-templates/template-types.ts';
import type { UiDecision } from '../protocol.ts';
import { appsApi } from './apps-api.ts';
import { useHmi } from './context.ts';
import { DecisionLine } from './control-tile.tsx';

interface ViewProps {
  appId: string;
  template: Template;
  cuts: TemplateCut[];
}

/** An app's action id, sent to the app (which alone decides what it does). */
function act(appId: string, id: string): void {
  void appsApi.action(appId, id).catch((err: Error) => console.warn('ui-action', appId, id, err.message));
}

function Items({ appId, items, grid }: { appId: string; items: TemplateItem[]; grid: boolean }) {
  return (
    <ul class={grid ? 'tpl-grid' : 'list'}>
      {items.map((it, i) => (
        <li key={i}>
          <button class="list-item tpl-item" disabled={!it.action} onClick={() => it.action && act(appId, it.action)} data-testid="tpl-item">
            <div>
              <strong>{it.title}</strong>
              {it.detail ? <p class="secondary">{it.detail}</p> : null}
            </div>
          </button>
        </li>
      ))}
    </ul>
  );
}

/**
 * A toggle or slider bound to one of the app's actuators: the request goes to the action policy
 * as the app (with the app's own grants), whose answer is shown.
 */
function ControlView({ appId, title, control }: Extract<Template, { kind: 'control' }> & { appId: string }) {
  const { client } = useHmi();
  const [decision, setDecision] = useState<UiDecision | null>(null);
  const live = client.value(control.action);
  const ask = async (v: number | boolean): Promise<void> => setDecision(await appsApi.control(appId, control.action, v));
  if (control.type === 'toggle') {
    const on = typeof live === 'boolean' ? live : control.value;
    return (
      <section class="tile control-tile">
        <h3>{title}</h3>
        <button class="switch" role="switch" aria-checked={on} onClick={() => void ask(!on)}>
          <span class="switch-knob" aria-hidden="true" />
          <span>{on ? 'On' : 'Off'}</span>
        </button>
        <DecisionLine decision={decision} testId="tpl-control-decision" />
      </section>
    );
  }
  const v = typeof live === 'number' ? live : control.value;
  const step = (d: number): void => void ask(Math.min(control.max, Math.max(control.min, v + d)));
  return (
    <section class="tile control-tile">
      <h3>{title}</h3>
      <div class="stepper">
        <button class="button" aria-label={`${title} down`} onClick={() => step(-control.step)}>−</button>
        <span class="stepper-value">{v}</span>
        <button class="button" aria-label={`${title} up`} onClick={() => step(control.step)}>+</button>
      </div>
      <DecisionLine decision={decision} testId="tpl-control-decision" />
    </section>
  );
}

function Body({ appId, template: t }: ViewProps) {
  switch (t.kind) {
    case 'list':
    case 'grid':
      return (
        <section class="tile">
          <h3>{t.title}</h3>
          {t.kind === 'list' && t.input ? <input class="search-input" type="search" placeholder={t.input.placeholder ?? ''} aria-label={t.input.placeholder ?? 'search'} data-testid="tpl-input" /> : null}
          <Items appId={appId} items={t.items} grid={t.kind === 'grid'} />
        </section>
      );
    case 'pane':
      return (
        <section class="tile">
          <h3>{t.title}</h3>
          {t.input ? <input class="search-input" type="text" placeholder={t.input.placeholder ?? ''} aria-label={t.input.placeholder ?? 'text'} data-testid="tpl-input" /> : null}
          <dl class="pane-rows">{t.rows.map((r, i) => [<dt key={`l${i}`}>{r.label}</dt>, <dd key={`v${i}`}>{r.value}</dd>])}</dl>
          <Actions appId={appId} actions={t.actions} />
        </section>
      );
    case 'alert':
      return (
        <section class={`heads-up sev-${t.level}`} role={t.level === 'critical' ? 'alert' : 'status'} data-testid="tpl-alert">
          <div class="heads-up-text"><strong>{t.title}</strong><p>{t.body}</p></div>
        </section>
      );
    case 'tile':
      return (
        <section class="tile">
          <h3>{t.title}</h3>
          <span class="big" data-testid="tpl-tile-value">{t.value ?? ''}{t.unit ? <span class="unit"> {t.unit}</span> : null}</span>
          <Actions appId={appId} actions={t.actions} />
        </section>
      );
    case 'control':
      return <ControlView appId={appId} {...t} />;
    case 'gauge': {
      const pct = ((t.value - t.min) / (t.max - t.min)) * 100;
      return (
        <section class="tile" role="meter" aria-valuemin={t.min} aria-valuemax={t.max} aria-valuenow={t.value} aria-label={t.title}>
          <h3>{t.title}</h3>
          <span class="big">{t.value}{t.unit ? <span class="unit"> {t.unit}</span> : null}</span>
          <div class="bar"><div class="bar-fill" style={{ width: `${Math.max(0, Math.min(100, pct))}%` }} /></div>
        </section>
      );
    }
    case 'status':
      return (
        <section class="tile">
          <h3>{t.title}</h3>
          <dl class="pane-rows">{t.items.map((r, i) => [<dt key={`l${i}`}>{r.label}</dt>, <dd key={`v${i}`} class={r.level ? `lvl-${r.level}` : ''}>{r.value}</dd>])}</dl>
        </section>
      );
  }
}

function Actions({ appId, actions }: { appId: string; actions: { id: string; label: string }[] | undefined }) {
  if (!actions?.length) return null;
  return (
    <div class="segmented">
      {actions.map((a) => (
        <button key={a.id} class="button" onClick={() => act(appId, a.id)} data-testid={`tpl-action-${a.id}`}>{a.label}</button>
      ))}
    </div>
  );
}

/**
 * Draws one validated, limited template of an app. Apps never draw: they describe, the HMI
 * renders with its own components, sizes and colours. When the driving limits cut something,
 * one line says more is available when parked (what was cut is not shown).
 */
export function TemplateView(props: ViewProps) {
  return (
    <div class="tpl" data-kind={props.template.kind} data-testid="tpl">
      <Body {...props} />
      {props.cuts.length > 0 ? <p class="muted" data-testid="cut-note">More when parked.</p> : null}
    </div>
  );
}
