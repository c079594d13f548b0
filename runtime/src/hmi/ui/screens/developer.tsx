import { useEffect, useState } from 'preact/hooks';
import { appsApi, type SideloadResult } from '../apps-api.ts';

function Result({ r }: { r: SideloadResult }) {
  return (
    <div data-testid="sideload-result" data-app-id={r.appId}>
      <p class="decision allowed">{`${r.updated ? 'Updated' : 'Installed'} ${r.appId} ${r.version} (${r.name}) · ${r.trusted ? 'trusted publisher' : 'self-signed'} · running`}</p>
      {r.warnings.map((w) => (
        <p key={w} class="decision refused" role="alert" data-testid="sideload-warning">{w}</p>
      ))}
      {r.permissions.map((p) => (
        <div class="perm-row" key={p.id} data-permission={p.id} data-state={p.state}>
          <span class={`tier tier-${p.tier}`}>{p.tier}</span>
          <span class="perm-label">{p.label}</span>
          <span>{p.state}</span>
        </div>
      ))}
    </div>
  );
}

/** Developer mode (self-signed sideloads) and the .hua picker; Settings shows it only when parked. */
export function DeveloperPanel() {
  const [enabled, setEnabled] = useState<boolean | null>(null);
  const [result, setResult] = useState<SideloadResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [off, setOff] = useState(false);
  useEffect(() => {
    appsApi.developerMode().then((r) => (r ? setEnabled(r.enabled) : setOff(true)), (err: Error) => setError(err.message));
  }, []);
  const toggle = async (): Promise<void> => {
    try {
      setEnabled((await appsApi.setDeveloperMode(!enabled))?.enabled ?? false);
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const pick = async (e: Event): Promise<void> => {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setResult(null);
    try {
      setResult(await appsApi.sideload(file));
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
    input.value = '';
  };
  return (
    <section class="tile wide" data-testid="developer-section">
      <h3>Developer mode and sideloading</h3>
      {off ? <p data-testid="developer-off">The app platform is not running on this head unit.</p> : null}
      <button class="switch consent" role="switch" aria-checked={enabled === true} disabled={enabled === null || off} onClick={() => void toggle()} data-testid="developer-mode">
        <span class="switch-knob" aria-hidden="true" />
        <span>
          <strong>Developer mode</strong>
          <span class="secondary">Allows self-signed apps; their privileged permissions stay blocked.</span>
        </span>
      </button>
      <label class="button sideload" aria-disabled={off} data-testid="sideload-label">
        Sideload .hua
        <input type="file" accept=".hua" hidden disabled={off} onChange={(e) => void pick(e)} data-testid="sideload-file" />
      </label>
      {error ? <p class="decision refused" role="alert" data-testid="sideload-error">{error}</p> : null}
      {result ? <Result r={result} /> : null}
    </section>
  );
}
