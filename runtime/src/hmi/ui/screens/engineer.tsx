import { useState } from 'preact/hooks';
import { useHmi, useShownSignals } from '../context.ts';
import { Plot } from '../plot.tsx';

function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(3).replace(/0+$/, '');
  return String(v);
}

/**
 * The engineers' view: every signal live, with search (text input, so parked only) and small
 * plots of the signals picked. While driving it is replaced by a notice.
 */
export function EngineerScreen() {
  const { client, driving } = useHmi();
  const [query, setQuery] = useState('');
  const q = query.trim().toLowerCase();
  const rows = client.catalogue.filter((s) => q === '' || s.path.toLowerCase().includes(q));
  useShownSignals(driving ? [] : rows.map((r) => r.path));
  if (driving) {
    return (
      <div class="locked" data-testid="engineer-locked">
        <h2>Signals</h2>
        <p>The engineers' view is available when the car is parked.</p>
      </div>
    );
  }
  const plotted = [...client.plots.keys()];
  return (
    <div class="engineer">
      <div class="engineer-list">
        <label class="search">
          <span>Search signals</span>
          <input type="search" value={query} placeholder="e.g. Speed, Battery" onInput={(e) => setQuery((e.target as HTMLInputElement).value)} data-testid="signal-search" />
        </label>
        <p class="muted" data-testid="signal-count">{`${rows.length} of ${client.catalogue.length} signals`}</p>
        <table class="signals">
          <thead>
            <tr><th>Signal</th><th>Value</th><th>Quality</th><th>Plot</th></tr>
          </thead>
          <tbody>
            {rows.map((s) => {
              const live = client.signals.get(s.path);
              return (
                <tr key={s.path} data-testid="signal-row" data-path={s.path}>
                  <td class="path" title={s.description}>{s.path.replace(/^Vehicle\./, '')}</td>
                  <td class="value">{`${show(live?.value)}${s.unit && live?.value !== null && live?.value !== undefined ? ` ${s.unit}` : ''}`}</td>
                  <td class={`quality q-${live?.quality ?? 'none'}`}>{live?.quality ?? 'none'}</td>
                  <td>
                    <button class="button small" aria-pressed={client.plots.has(s.path)} onClick={() => client.togglePlot(s.path)} aria-label={`plot ${s.path}`}>
                      {client.plots.has(s.path) ? 'Hide' : 'Plot'}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <aside class="engineer-plots" aria-label="Plots">
        {plotted.length === 0 ? <p class="muted">Pick “Plot” on a signal to see its last minutes here.</p> : null}
        {plotted.map((p) => (
          <Plot key={p} points={client.plots.get(p) ?? []} label={p.replace(/^Vehicle\./, '')} unit={client.catalogue.find((s) => s.path === p)?.unit ?? null} />
        ))}
      </aside>
    </div>
  );
}
