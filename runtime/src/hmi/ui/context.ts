import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { HmiClient } from './hmi-client.ts';
import type { Preferences } from './preferences.ts';

/** What every screen reads: the runtime connection, the preferences and whether driving restricts the UI. */
export interface Hmi {
  client: HmiClient;
  prefs: Preferences;
  setPrefs: (p: Preferences) => void;
  /** True while the vehicle's UX restriction is `driving` (unknown state counts as driving). */
  driving: boolean;
}

export const HmiContext = createContext<Hmi | null>(null);

export function useHmi(): Hmi {
  const hmi = useContext(HmiContext);
  if (!hmi) throw new Error('useHmi outside <HmiContext.Provider>');
  return hmi;
}

/** Re-renders the caller on every change of the client (at most ~10 times a second for signals). */
export function useClientVersion(client: HmiClient): number {
  const [version, setVersion] = useState(client.version);
  useEffect(() => client.listen(() => setVersion(client.version)), [client]);
  return version;
}

/** Tells the runtime which signals this screen shows while it is mounted. */
export function useShownSignals(paths: string[]): void {
  const { client } = useHmi();
  const key = paths.join('\n');
  useEffect(() => client.show(paths), [client, key]);
}
