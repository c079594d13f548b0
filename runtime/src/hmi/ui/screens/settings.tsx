import { useHmi } from '../context.ts';
import type { Preferences } from '../preferences.ts';
import { AppPermissionsPanel } from './app-permissions.tsx';
import { DeveloperPanel } from './developer.tsx';
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

/** Settings: display, units, privacy (cloud sync), apps and their permissions (app platform), developer mode. */
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
      <AppPermissionsPanel />
      {driving ? (
        <p class="muted" data-testid="developer-locked">Developer mode and sideloading: available when parked.</p>
      ) : (
        <DeveloperPanel />
      )}
    </div>
  );
}
