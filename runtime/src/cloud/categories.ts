/**
 * Data categories the owner consents to, one by one (issue #7). `service` is not a category
 * the owner can refuse: it is the car's online status and the replies to the owner's own
 * commands, the only data that still leaves in privacy mode.
 */
export const CATEGORIES = ['location', 'driving', 'energy', 'cabin', 'diagnostics', 'apps'] as const;
export type Category = (typeof CATEGORIES)[number];
/** What a message is about: a consent category, or essential `service` data. */
export type DataClass = Category | 'service';

/** Defaults for a new car: location and driving behaviour stay in the car until the owner says so. */
export const DEFAULT_CONSENT: Readonly<Record<Category, boolean>> = {
  location: false,
  driving: false,
  energy: true,
  cabin: true,
  diagnostics: true,
  apps: true,
};

export function isCategory(s: string): s is Category {
  return (CATEGORIES as readonly string[]).includes(s);
}

/** What the owner is told each category covers (HMI privacy page). */
export const CATEGORY_DESCRIPTIONS: Readonly<Record<Category, string>> = {
  location: 'where the car is (position, heading, altitude)',
  driving: 'how the car is driven (speed, pedals, gear, trips)',
  energy: 'battery, charging and range',
  cabin: 'cabin climate, doors, locks and lights',
  diagnostics: 'vehicle health (12 V system, odometer, outside temperature)',
  apps: 'data that installed apps send to their own services',
};
