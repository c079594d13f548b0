import { useState } from 'preact/hooks';
import type { UiDecision } from '../protocol.ts';
import { useHmi } from './context.ts';

export interface ToggleTileProps {
  title: string;
  /** The VSS actuator the toggle requests (its current value is the signal of the same path). */
  path: string;
  on: string;
  off: string;
  testId: string;
}

/**
 * A control tile: a toggle bound to one actuator. Pressing it asks the action policy for the
 * opposite of the car's current value; the answer stays on the tile, green when the request went
 * to the bus, red with the policy's reason when it was refused.
 */
export function ToggleTile({ title, path, on, off, testId }: ToggleTileProps) {
  const { client } = useHmi();
  const [decision, setDecision] = useState<UiDecision | null>(null);
  const [busy, setBusy] = useState(false);
  const current = client.value(path) === true;
  const press = async (): Promise<void> => {
    setBusy(true);
    try {
      setDecision(await client.act(path, !current));
    } catch (err) {
      setDecision({ caller: 'hmi', path, value: !current, allowed: false, reason: 'NO_LINK', detail: (err as Error).message, timeMs: Date.now() });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="tile control-tile" data-testid={testId} aria-label={title}>
      <h3>{title}</h3>
      <button class="switch" role="switch" aria-checked={current} disabled={busy} onClick={press} data-testid={`${testId}-toggle`}>
        <span class="switch-knob" aria-hidden="true" />
        <span>{current ? on : off}</span>
      </button>
      <DecisionLine decision={decision} testId={`${testId}-decision`} />
    </section>
  );
}

/** The policy's last answer for a tile, or nothing yet. */
export function DecisionLine({ decision, testId }: { decision: UiDecision | null; testId: string }) {
  if (!decision) return <p class="decision muted" data-testid={testId} role="status" />;
  return (
    <p class={`decision ${decision.allowed ? 'allowed' : 'refused'}`} data-testid={testId} data-allowed={String(decision.allowed)} role="status">
      <strong>{decision.allowed ? 'Sent' : 'Refused'}</strong> {decision.allowed ? `${JSON.stringify(decision.value)} → ${decision.detail}` : decision.detail}
    </p>
  );
}

/** A tile that sets a number in steps (the driver's cabin temperature), through the policy. */
export function StepperTile({ title, path, step, min, max, format, testId }: { title: string; path: string; step: number; min: number; max: number; format: (v: number) => string; testId: string }) {
  const { client } = useHmi();
  const [decision, setDecision] = useState<UiDecision | null>(null);
  const v = client.value(path);
  const current = typeof v === 'number' ? v : null;
  const ask = async (delta: number): Promise<void> => {
    if (current === null) return;
    const next = Math.min(max, Math.max(min, Math.round((current + delta) / step) * step));
    setDecision(await client.act(path, next));
  };
  return (
    <section class="tile control-tile" data-testid={testId} aria-label={title}>
      <h3>{title}</h3>
      <div class="stepper">
        <button class="button" aria-label={`${title} down`} disabled={current === null} onClick={() => void ask(-step)}>
          −
        </button>
        <span class="stepper-value">{current === null ? '—' : format(current)}</span>
        <button class="button" aria-label={`${title} up`} disabled={current === null} onClick={() => void ask(step)}>
          +
        </button>
      </div>
      <DecisionLine decision={decision} testId={`${testId}-decision`} />
    </section>
  );
}
