/** The climate target a `precondition` command uses when it names none (°C). */
export const DEFAULT_CLIMATE_TARGET_C = 21;
/** Climate targets the twin accepts (°C); the action policy checks the VSS range again at actuation. */
export const TWIN_TARGET_RANGE_C = { min: 16, max: 30 } as const;

/** What applying a desired document did. */
export interface TwinOutcome {
  /** The setting changed: report the new state. */
  changed: boolean;
  /** Why the document's climate section was refused (the setting kept its value). */
  refused?: string;
}

/**
 * The `climate` section of the twin: a setting, never an actuation. The owner's desired target
 * (`vehicles/{id}/state/desired` `{"climate": {"targetC": 22}}`) becomes the target the next
 * `precondition` command heats or cools to when it names none. Desired documents are not signed,
 * so they change only this stored setting; anything that moves an actuator needs a signed command
 * and passes the action policy (issue #7).
 */
export class ClimateTwin {
  targetC = DEFAULT_CLIMATE_TARGET_C;

  /** The section as reported (`state/reported` `climate`). */
  get reported(): { targetC: number } {
    return { targetC: this.targetC };
  }

  /** Applies a desired document; a document without a `climate` section changes nothing. */
  applyDesired(doc: unknown): TwinOutcome {
    if (typeof doc !== 'object' || doc === null || !('climate' in doc)) return { changed: false };
    const climate = (doc as { climate: unknown }).climate;
    if (typeof climate !== 'object' || climate === null || Array.isArray(climate)) return { changed: false, refused: 'climate must be an object such as {"targetC": 22}' };
    const extra = Object.keys(climate).find((k) => k !== 'targetC');
    if (extra !== undefined) return { changed: false, refused: `climate has no setting "${extra}" (only targetC)` };
    const t = (climate as { targetC?: unknown }).targetC;
    if (t === undefined) return { changed: false };
    const { min, max } = TWIN_TARGET_RANGE_C;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < min || t > max) return { changed: false, refused: `climate.targetC must be a number from ${min} to ${max} °C, not ${JSON.stringify(t)}` };
    if (t === this.targetC) return { changed: false };
    this.targetC = t;
    return { changed: true };
  }
}
