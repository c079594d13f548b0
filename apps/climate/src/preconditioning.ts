/** Arguments of the owner's `precondition` command. */
export interface PreconditionRequest {
  on: boolean;
  /** Cabin target (°C), 16..28; default 21. */
  targetC: number;
  /** Switch off after this many minutes (1..30 by default; 0 < minutes). */
  minutes: number;
}

/** Limits of remote pre-conditioning. */
export const TARGET_MIN_C = 16;
export const TARGET_MAX_C = 28;
export const DEFAULT_TARGET_C = 21;
/** Longest run the owner may ask for (minutes). */
export const MAX_MINUTES = 30;
export const DEFAULT_MINUTES = 15;
/** Below this state of charge (%) remote pre-conditioning is refused: the drive needs the energy. */
export const CHARGE_FLOOR_PCT = 20;
/** Fan level while pre-conditioning (%). */
export const PRECONDITION_FAN_PCT = 60;

/** Reads the command's arguments; a string says what is wrong. */
export function parseRequest(args: Record<string, unknown>): PreconditionRequest | string {
  if (typeof args['on'] !== 'boolean') return 'precondition needs {"on": true|false}';
  const targetC = args['targetC'] ?? DEFAULT_TARGET_C;
  if (typeof targetC !== 'number' || !(targetC >= TARGET_MIN_C && targetC <= TARGET_MAX_C)) return `targetC must be ${TARGET_MIN_C}..${TARGET_MAX_C} °C`;
  const minutes = args['minutes'] ?? DEFAULT_MINUTES;
  if (typeof minutes !== 'number' || !(minutes > 0 && minutes <= MAX_MINUTES)) return `minutes must be more than 0 and at most ${MAX_MINUTES}`;
  return { on: args['on'], targetC, minutes };
}

/** Why pre-conditioning may not start now, or null when it may. */
export function refusal(drive: string | null, socPct: number | null, floorPct: number): { reason: string; detail: string } | null {
  if (drive !== 'parked' && drive !== 'off' && drive !== 'charging') return { reason: 'NOT_PARKED', detail: `the car is ${drive ?? 'in an unknown state'}; pre-conditioning starts only while parked` };
  if (socPct === null) return { reason: 'CHARGE_UNKNOWN', detail: 'the state of charge is not known yet' };
  if (socPct < floorPct) return { reason: 'BELOW_CHARGE_FLOOR', detail: `charge ${socPct.toFixed(1)} % is below the floor of ${floorPct} %` };
  return null;
}
