/** The driver's display preferences, kept in the browser's localStorage. */
export interface Preferences {
  theme: 'day' | 'night' | 'auto';
  speedUnit: 'km/h' | 'mph';
  temperatureUnit: 'celsius' | 'fahrenheit';
}

const KEY = 'headunit.preferences';
const DEFAULTS: Preferences = { theme: 'auto', speedUnit: 'km/h', temperatureUnit: 'celsius' };
const KM_PER_MILE = 1.609344;

export function loadPreferences(): Preferences {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Preferences>;
    return {
      theme: raw.theme === 'day' || raw.theme === 'night' ? raw.theme : DEFAULTS.theme,
      speedUnit: raw.speedUnit === 'mph' ? 'mph' : DEFAULTS.speedUnit,
      temperatureUnit: raw.temperatureUnit === 'fahrenheit' ? 'fahrenheit' : DEFAULTS.temperatureUnit,
    };
  } catch {
    return DEFAULTS;
  }
}

export function savePreferences(p: Preferences): void {
  localStorage.setItem(KEY, JSON.stringify(p));
}

/** Speed in km/h shown in the chosen unit, rounded to whole units. */
export function formatSpeed(kmh: number, p: Preferences): { value: string; unit: string } {
  return p.speedUnit === 'mph' ? { value: String(Math.round(kmh / KM_PER_MILE)), unit: 'mph' } : { value: String(Math.round(kmh)), unit: 'km/h' };
}

/** Distance in metres, shown in km or miles. */
export function formatDistance(m: number, p: Preferences): string {
  return p.speedUnit === 'mph' ? `${Math.round(m / 1000 / KM_PER_MILE)} mi` : `${Math.round(m / 1000)} km`;
}

export function formatTemperature(c: number, p: Preferences): string {
  return p.temperatureUnit === 'fahrenheit' ? `${(c * 1.8 + 32).toFixed(0)} °F` : `${c.toFixed(1)} °C`;
}
