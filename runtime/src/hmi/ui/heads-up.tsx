import { useHmi } from './context.ts';

/**
 * Heads-up alerts over whatever screen is shown, newest on top, each dismissable with a 48 px
 * button. Critical alerts are announced to assistive technology at once (role=alert).
 */
export function HeadsUp({ onOpen }: { onOpen: () => void }) {
  const { client } = useHmi();
  const shown = client.headsUp.slice(-2).reverse();
  if (shown.length === 0) return null;
  return (
    <div class="heads-up-stack">
      {shown.map((n) => (
        <section key={n.id} class={`heads-up sev-${n.severity}`} role={n.severity === 'critical' ? 'alert' : 'status'} data-testid="heads-up">
          <div class="heads-up-text">
            <strong>{n.title}</strong>
            <p>{n.body}</p>
          </div>
          <button class="button" onClick={onOpen}>
            Details
          </button>
          <button class="button" data-testid="dismiss" onClick={() => client.dismiss(n.id)}>
            Dismiss
          </button>
        </section>
      ))}
    </div>
  );
}
