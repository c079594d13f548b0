import { parseScaled } from './decimal.ts';

/**
 * The date of a Vector ASC `date` / `Begin Triggerblock` line: `Sat Sep 30 15:06:13.191 2017`
 * or with a 12-hour clock `Tue May 27 04:09:35.000 pm 2014`. CANoe writes month names in the
 * language of the PC; English and German are understood. The file gives no time zone: the
 * date is taken as UTC so that reading never depends on the machine's zone.
 */

/** Month number of each abbreviation (English and German), lower case. */
const MONTHS: ReadonlyMap<string, number> = new Map([
  ['jan', 1], ['feb', 2], ['mar', 3], ['mär', 3], ['apr', 4], ['may', 5], ['mai', 5], ['jun', 6],
  ['jul', 7], ['aug', 8], ['sep', 9], ['oct', 10], ['okt', 10], ['nov', 11], ['dec', 12], ['dez', 12],
]);
/** English month abbreviations, for writing. */
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** English weekday abbreviations from Sunday, for writing. */
const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** `HH:MM:SS` with an optional fraction of a second. */
const CLOCK = /^(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/;
/** Microseconds per millisecond. */
const US_PER_MS = 1000;

/**
 * Parses `<weekday> <month> <day> <HH:MM:SS[.fff]> [am|pm] <year>` to µs since the epoch (UTC),
 * or returns null when `text` is not such a date.
 */
export function parseAscDate(text: string): number | null {
  const t = text.trim().split(/\s+/);
  if (t.length !== 5 && t.length !== 6) return null;
  const month = MONTHS.get(t[1]!.toLowerCase());
  const day = Number(t[2]);
  const clock = CLOCK.exec(t[3]!);
  const meridiem = t.length === 6 ? t[4]!.toLowerCase() : null;
  const year = Number(t[t.length - 1]);
  if (month === undefined || !clock || !Number.isInteger(day) || day < 1 || day > 31) return null;
  if (!/^\d{4}$/.test(t[t.length - 1]!) || (meridiem !== null && meridiem !== 'am' && meridiem !== 'pm')) return null;
  let hour = Number(clock[1]);
  const minute = Number(clock[2]);
  const secondUs = parseScaled(clock[3]!, 6);
  if (meridiem !== null) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (meridiem === 'pm' ? 12 : 0);
  }
  if (hour > 23 || minute > 59 || !(secondUs < 60e6)) return null;
  const dayMs = Date.UTC(year, month - 1, day);
  // Date.UTC rolls Feb 30 over into March: such a date is not valid.
  if (new Date(dayMs).getUTCDate() !== day) return null;
  return (dayMs + (hour * 60 + minute) * 60_000) * US_PER_MS + secondUs;
}

/** Formats µs since the epoch (UTC) as `Sat Sep 30 15:06:13.191 2017` (milliseconds, truncated). */
export function formatAscDate(timestampUs: number): string {
  const d = new Date(Math.floor(timestampUs / US_PER_MS));
  const two = (n: number): string => String(n).padStart(2, '0');
  const clock = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`;
  return `${WEEKDAY_NAMES[d.getUTCDay()]} ${MONTH_NAMES[d.getUTCMonth()]} ${two(d.getUTCDate())} ${clock} ${d.getUTCFullYear()}`;
}
