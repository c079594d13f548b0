import { useEffect, useState } from 'preact/hooks';
import { HmiContext, useClientVersion, type Hmi } from './context.ts';
import type { HmiClient } from './hmi-client.ts';
import { loadPreferences, savePreferences, type Preferences } from './preferences.ts';
import { HeadsUp } from './heads-up.tsx';
import { StatusBar } from './status-bar.tsx';
import { HomeScreen } from './screens/home.tsx';
import { AppsScreen } from './screens/apps.tsx';
import { NotificationsScreen } from './screens/notifications.tsx';
import { SettingsScreen } from './screens/settings.tsx';
import { EngineerScreen } from './screens/engineer.tsx';

export type ScreenName = 'home' | 'apps' | 'notifications' | 'settings' | 'engineer';

const SCREENS: { name: ScreenName; label: string; icon: string }[] = [
  { name: 'home', label: 'Home', icon: '⌂' },
  { name: 'apps', label: 'Apps', icon: '▦' },
  { name: 'notifications', label: 'Alerts', icon: '!' },
  { name: 'settings', label: 'Settings', icon: '⚙' },
  { name: 'engineer', label: 'Signals', icon: '∿' },
];

/** Night when the driver chose it, or in `auto` while the low beams are on. */
function themeOf(prefs: Preferences, client: HmiClient): 'day' | 'night' {
  if (prefs.theme !== 'auto') return prefs.theme;
  return client.value('Vehicle.Body.Lights.Beam.Low.IsOn') === true ? 'night' : 'day';
}

/** The whole screen: status bar, navigation rail, the current screen, and heads-up alerts on top. */
export function App({ client }: { client: HmiClient }) {
  useClientVersion(client);
  const [prefs, setPrefsState] = useState(loadPreferences);
  const [screen, setScreen] = useState<ScreenName>('home');
  const driving = client.vehicle === null || client.vehicle.ux === 'driving';
  const theme = themeOf(prefs, client);
  useEffect(() => {
    document.documentElement.dataset['theme'] = theme;
    document.documentElement.dataset['ux'] = driving ? 'driving' : 'none';
  }, [theme, driving]);
  const hmi: Hmi = {
    client,
    prefs,
    driving,
    setPrefs: (p) => {
      savePreferences(p);
      setPrefsState(p);
    },
  };
  return (
    <HmiContext.Provider value={hmi}>
      <div class="shell">
        <StatusBar />
        <nav class="rail" aria-label="Screens">
          {SCREENS.map((s) => (
            <button
              key={s.name}
              class="rail-button"
              aria-current={screen === s.name ? 'page' : undefined}
              data-testid={`nav-${s.name}`}
              onClick={() => setScreen(s.name)}
            >
              <span class="rail-icon" aria-hidden="true">{s.icon}</span>
              <span>{s.label}</span>
              {s.name === 'notifications' && client.headsUp.length > 0 ? <span class="badge">{client.headsUp.length}</span> : null}
            </button>
          ))}
        </nav>
        <main class="screen" data-testid={`screen-${screen}`}>
          {screen === 'home' ? <HomeScreen /> : null}
          {screen === 'apps' ? <AppsScreen /> : null}
          {screen === 'notifications' ? <NotificationsScreen /> : null}
          {screen === 'settings' ? <SettingsScreen /> : null}
          {screen === 'engineer' ? <EngineerScreen /> : null}
        </main>
        <HeadsUp onOpen={() => setScreen('notifications')} />
      </div>
    </HmiContext.Provider>
  );
}
