/**
 * Exact decimal ↔ integer-unit conversion for trace timestamps. `"2.501000"` seconds is
 * 2501000 µs exactly, where `parseFloat(s) * 1e6` would give 2500999.9999999995.
 */

/** Most integer digits accepted: keeps `int * 10^scale` below 2^53 for the scales used (≤ 6). */
const MAX_INT_DIGITS = 10;
/** Character code of '0'. */
const ZERO = 48;

/**
 * Parses a plain decimal (`-12.5`, `7`, `0.000001`; no exponent, no spaces) as a count of
 * 10^-scale units: `parseScaled("2.5", 6)` is 2500000. Digits beyond `scale` become a fraction
 * of a unit. Returns NaN when `text` is not such a decimal.
 */
export function parseScaled(text: string, scale: number): number {
  let i = 0;
  let sign = 1;
  const first = text.charCodeAt(0);
  if (first === 45 /* - */ || first === 43 /* + */) {
    sign = first === 45 ? -1 : 1;
    i = 1;
  }
  let whole = 0;
  const wholeStart = i;
  for (let c = text.charCodeAt(i) - ZERO; c >= 0 && c <= 9; c = text.charCodeAt(++i) - ZERO) whole = whole * 10 + c;
  const wholeDigits = i - wholeStart;
  if (wholeDigits === 0 || wholeDigits > MAX_INT_DIGITS) return NaN;
  let units = whole * 10 ** scale;
  if (i === text.length) return sign * units;
  if (text.charCodeAt(i) !== 46 /* . */ || i + 1 === text.length) return NaN;
  i++;
  let place = 10 ** scale;
  let beyond = 0;
  let beyondScale = 1;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i) - ZERO;
    if (c < 0 || c > 9) return NaN;
    if (place > 1) {
      place /= 10;
      units += c * place;
    } else if (beyondScale < 1e12) {
      beyondScale *= 10;
      beyond = beyond * 10 + c;
    }
  }
  return sign * (units + beyond / beyondScale);
}

/**
 * Formats an integer count of 10^-decimals units as a fixed-point decimal:
 * `formatFixed(2501000, 6)` is `"2.501000"`, `formatFixed(-5, 3)` is `"-0.005"`.
 * Non-integers are rounded to the nearest unit.
 */
export function formatFixed(units: number, decimals: number): string {
  const rounded = Math.round(units);
  const abs = Math.abs(rounded);
  const scale = 10 ** decimals;
  const whole = Math.floor(abs / scale);
  const frac = abs - whole * scale;
  const sign = rounded < 0 ? '-' : '';
  return decimals === 0 ? `${sign}${whole}` : `${sign}${whole}.${String(frac).padStart(decimals, '0')}`;
}

/** Value of a hex digit's character code, or -1. */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** A byte written as 1 or 2 hex digits (`7`, `0A`, `ff`), or -1. Cheaper than a regex per byte. */
export function parseHexByte(text: string): number {
  if (text.length === 1) return hexDigit(text.charCodeAt(0));
  if (text.length !== 2) return -1;
  const high = hexDigit(text.charCodeAt(0));
  const low = hexDigit(text.charCodeAt(1));
  return high < 0 || low < 0 ? -1 : (high << 4) | low;
}
