import { useHmi } from '../context.ts';
import type { Preferences } from '../preferences.ts';
import { PrivacyPanel } from './privacy.tsx';

function Choice<K extends keyof Preferences>({ label, k, options }: { label: string; k: K; options: [Preferences[K], string][] }) {
  const { prefs, setPrefs } = useHmi();
  return (
    <div class="setting" role="group" aria-label={label}>
      <span class="setting-label">{label}</span>
      <div class="segmented">
        {options.map(([value, text]) => (
          <button key={String(value)} class="button" aria-pressed={prefs[k] === value} data-testid={`pref-${String(k)}-${String(value)}`} onClick={() => setPrefs({ ...prefs, [k]: value })}>
            {text}
          </button>
        ))}
      </div>
    </div>
  );
}

/** Settings: display and units now; privacy, apps and developer mode with their platforms. */
export function SettingsScreen() {
  const { driving } = useHmi();
  return (
    <div class="settings">
      <h2>Settings</h2>
      <section class="tile">
        <h3>Display</h3>
        <Choice label="Theme" k="theme" options={[['day', 'Day'], ['night', 'Night'], ['auto', 'Auto (headlights)']]} />
      </section>
      <section class="tile">
        <h3>Units</h3>
        <Choice label="Speed and distance" k="speedUnit" options={[['km/h', 'km/h, km'], ['mph', 'mph, mi']]} />
        <Choice label="Temperature" k="temperatureUnit" options={[['celsius', '°C'], ['fahrenheit', '°F']]} />
      </section>
      <PrivacyPanel />
      <section class="tile pending" data-testid="apps-settings-pending">
        <h3>Apps and permissions</h3>
        <p>Pending: installed apps, their permissions (grant, revoke) and each app's audit record appear once the app platform serves <code>/api/apps</code>.</p>
      </section>
      {driving ? (
        <p class="muted" data-testid="developer-locked">Developer mode and sideloading: available when parked.</p>
      ) : (
        <section class="tile pending" data-testid="developer-section">
          <h3>Developer mode</h3>
          <p>Pending: developer mode and sideloading come with the app platform.</p>
        </section>
      )}
    </div>
  );
}
