/** Width and height of a small plot, in SVG user units (it scales to its box). */
const W = 320;
const H = 80;

/**
 * A small line plot of (time ms, value) points: the last minutes of one signal (the runtime's
 * history ring, then live), scaled to its own min..max, with the range written beside it. No
 * animation: it redraws with the data (at most 10 times a second).
 */
export function Plot({ points, label, unit }: { points: [number, number][]; label: string; unit: string | null }) {
  const known = points.filter(([, v]) => Number.isFinite(v));
  if (known.length === 0) return <p class="muted">{label}: waiting for data…</p>;
  // A value holds until the next one: a signal that has not changed is a flat line up to now.
  const [lastT, lastV] = known[known.length - 1]!;
  const finite: [number, number][] = [...known, [Math.max(lastT + 1, Date.now()), lastV]];
  const t0 = finite[0]![0];
  const t1 = finite[finite.length - 1]![0];
  let lo = Infinity;
  let hi = -Infinity;
  for (const [, v] of finite) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo || 1;
  const d = finite.map(([t, v]) => `${(((t - t0) / (t1 - t0 || 1)) * W).toFixed(1)},${(H - ((v - lo) / span) * (H - 4) - 2).toFixed(1)}`).join(' ');
  return (
    <figure class="plot" data-testid="plot">
      <figcaption>
        {label} <span class="muted">{`${lo.toFixed(1)}…${hi.toFixed(1)}${unit ? ` ${unit}` : ''} · ${((t1 - t0) / 1000).toFixed(0)} s`}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={`plot of ${label}`}>
        <polyline points={d} fill="none" stroke="currentColor" stroke-width="2" vector-effect="non-scaling-stroke" />
      </svg>
    </figure>
  );
}
