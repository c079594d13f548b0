import { EventEmitter } from 'node:events';
import { QUALITY_VALID, type SignalStore } from '../signal-store/signal-store.ts';

/** What the car is doing, as the HMI and apps need to know it. */
export type DriveState = 'off' | 'parked' | 'driving' | 'charging' | 'unknown';

/**
 * UX restriction level, modelled on Android Automotive's: `none` (full UI), `driving` (glanceable
 * only: no text entry, no video, short lists). Unknown speed counts as driving: safe by default.
 */
export type UxRestriction = 'none' | 'driving';

export interface VehicleStateSnapshot {
  drive: DriveState;
  ux: UxRestriction;
  /** VSS LowVoltageSystemState: OFF, ACC, ON, START, LOCK, or UNDEFINED. */
  ignition: string;
  speedKmh: number | null;
  charging: boolean;
}

/** Above this speed the car is driving. */
const DRIVING_ABOVE_KMH = 3;
/** Below this speed (and in park) the car is parked; between the two, the state holds (hysteresis). */
const PARKED_BELOW_KMH = 1;
/** VSS SelectedGear value for Park. */
const GEAR_PARK = 126;

const PATHS = {
  speed: 'Vehicle.Speed',
  gear: 'Vehicle.Powertrain.Transmission.SelectedGear',
  ignition: 'Vehicle.LowVoltageSystemState',
  charging: 'Vehicle.Powertrain.TractionBattery.Charging.IsCharging',
} as const;

/**
 * Derives the vehicle state from signals on every tick and emits `change` (next, previous) when
 * it changes. The rules are in `next()`.
 */
export class VehicleState extends EventEmitter {
  private state: VehicleStateSnapshot = { drive: 'unknown', ux: 'driving', ignition: 'UNDEFINED', speedKmh: null, charging: false };
  private readonly slots: Record<keyof typeof PATHS, number>;

  constructor(
    private readonly store: SignalStore,
    /** Store number → VSS string for the ignition leaf (its enum). */
    private readonly ignitionName: (n: number) => string,
  ) {
    super();
    this.slots = {
      speed: store.index(PATHS.speed),
      gear: store.index(PATHS.gear),
      ignition: store.index(PATHS.ignition),
      charging: store.index(PATHS.charging),
    };
  }

  get current(): VehicleStateSnapshot {
    return this.state;
  }

  private valid(slot: number): number | null {
    return slot >= 0 && this.store.quality[slot] === QUALITY_VALID ? this.store.values[slot]! : null;
  }

  /** The state the signals imply now, given the previous one (for hysteresis). */
  private next(prev: VehicleStateSnapshot): VehicleStateSnapshot {
    const speed = this.valid(this.slots.speed);
    const gear = this.valid(this.slots.gear);
    const ign = this.valid(this.slots.ignition);
    const ignition = ign === null ? 'UNDEFINED' : this.ignitionName(ign);
    const charging = this.valid(this.slots.charging) === 1;
    let drive: DriveState;
    if (speed === null) drive = 'unknown';
    else if (speed > DRIVING_ABOVE_KMH) drive = 'driving';
    else if (charging) drive = 'charging';
    else if (speed < PARKED_BELOW_KMH && (gear === GEAR_PARK || ignition === 'OFF' || ignition === 'LOCK')) drive = ignition === 'OFF' || ignition === 'LOCK' ? 'off' : 'parked';
    else drive = prev.drive === 'unknown' ? 'driving' : prev.drive;
    const ux: UxRestriction = drive === 'driving' || drive === 'unknown' ? 'driving' : 'none';
    return { drive, ux, ignition, speedKmh: speed, charging };
  }

  /** Re-evaluates; returns true when the state changed (and `change` was emitted). */
  update(): boolean {
    const prev = this.state;
    const next = this.next(prev);
    if (next.drive === prev.drive && next.ux === prev.ux && next.ignition === prev.ignition && next.charging === prev.charging) {
      this.state = next;
      return false;
    }
    this.state = next;
    this.emit('change', next, prev);
    return true;
  }
}
