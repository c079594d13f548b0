import { useEffect, useState } from 'preact/hooks';
import { cloudApi, type ConsentView, type LedgerView } from '../cloud-api.ts';
import { useHmi } from '../context.ts';

/** How often the ledger is re-read while the page is open (ms). */
const LEDGER_REFRESH_MS = 2000;
/** The ledger's totals cover this window (ms): the last 24 hours. */
const TOTALS_WINDOW_MS = 24 * 3600 * 1000;

interface PrivacyState {
  /** null: not known yet; false: cloud sync is not running on this head unit. */
  available: boolean | null;
  consent: ConsentView | null;
  ledger: LedgerView | null;
  error: string | null;
}

function Switch({ label, detail, on, onChange, testId }: { label: string; detail?: string; on: boolean; onChange: (v: boolean) => void; testId: string }) {
  return (
    <button class="switch consent" role="switch" aria-checked={on} onClick={() => onChange(!on)} data-testid={testId}>
      <span class="switch-knob" aria-hidden="true" />
      <span>
        <strong>{label}</strong>
        {detail ? <span class="secondary">{detail}</span> : null}
      </span>
    </button>
  );
}

/**
 * Privacy: consent per data category, privacy mode, and the ledger of what left the car, from
 * cloud sync's `/api/cloud`. A change takes effect in the runtime at once (revoking purges what
 * was queued); the switches show the runtime's answer, not the tap.
 */
export function PrivacyPanel() {
  const { driving } = useHmi();
  const [s, setS] = useState<PrivacyState>({ available: null, consent: null, ledger: null, error: null });
  const refresh = async (): Promise<void> => {
    try {
      if ((await cloudApi.status()) === null) return setS((p) => ({ ...p, available: false }));
      const [consent, ledger] = await Promise.all([cloudApi.consent(), cloudApi.ledger(20, Date.now() - TOTALS_WINDOW_MS)]);
      setS({ available: true, consent, ledger, error: null });
    } catch (err) {
      setS((p) => ({ ...p, error: (err as Error).message }));
    }
  };
  useEffect(() => {
    void refresh();
    const t = setInterval(() => void refresh(), LEDGER_REFRESH_MS);
    return () => clearInterval(t);
  }, []);
  const change = async (f: () => Promise<ConsentView | null>): Promise<void> => {
    try {
      const consent = await f();
      setS((p) => ({ ...p, consent, error: null }));
    } catch (err) {
      setS((p) => ({ ...p, error: (err as Error).message }));
    }
  };
  if (s.available === false) {
    return (
      <section class="tile wide" data-testid="privacy-unavailable">
        <h3>Privacy</h3>
        <p>Cloud sync is not running on this head unit: no data leaves the car.</p>
      </section>
    );
  }
  const { consent, ledger } = s;
  const entries = ledger ? ledger.entries.slice(0, driving ? 6 : 20) : [];
  return (
    <section class="tile wide privacy" data-testid="privacy">
      <h3>Privacy</h3>
      {s.error ? <p class="decision refused" role="alert">{s.error}</p> : null}
      {consent ? (
        <div class="consents">
          <Switch label="Privacy mode" detail="only the car's online status and replies to your own commands leave the car" on={consent.privacyMode} onChange={(v) => void change(() => cloudApi.setPrivacyMode(v))} testId="privacy-mode" />
          {Object.entries(consent.categories).map(([c, v]) => (
            <Switch key={c} label={c[0]!.toUpperCase() + c.slice(1)} detail={v.description} on={v.granted} onChange={(g) => void change(() => cloudApi.setConsent(c, g))} testId={`consent-${c}`} />
          ))}
        </div>
      ) : (
        <p class="muted">Loading…</p>
      )}
      <h3>What left the car (24 h)</h3>
      <table class="signals ledger" data-testid="ledger-totals">
        <thead><tr><th>Data</th><th>Messages</th><th>Bytes</th><th>Samples</th></tr></thead>
        <tbody>
          {Object.entries(ledger?.totals ?? {}).map(([c, t]) => (
            <tr key={c} data-class={c}><td>{c}</td><td>{t.messages}</td><td>{t.bytes}</td><td>{t.samples}</td></tr>
          ))}
        </tbody>
      </table>
      <ul class="list ledger-entries" data-testid="ledger-entries">
        {entries.map((e) => (
          <li key={e.mid} class="list-item" data-class={e.dataClass}>
            <time class="muted">{new Date(e.sentMs).toLocaleTimeString()}</time>
            <div><strong>{e.dataClass}</strong> <span class="muted">{`${e.kind} · ${e.bytes} B · ${e.samples} samples`}</span></div>
          </li>
        ))}
      </ul>
    </section>
  );
}
