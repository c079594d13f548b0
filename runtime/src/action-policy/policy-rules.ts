import type { DriveState } from '../vehicle-state/vehicle-state.ts';
import type { VssValue } from '../mapping/mapping.ts';

/**
 * One line of the policy's rule table. `path` is a VSS leaf or a subtree prefix. A rule with
 * `states` refuses the request unless the car is in one of them (optionally only for one
 * `value`, e.g. unlocking but not locking); `maxPerSecond` limits how often the actuator may be
 * commanded, whoever asks.
 */
export interface PolicyRule {
  path: string;
  value?: VssValue;
  /**
   * Only requests from these callers are subject to the rule (default: everyone). `cloud` also
   * covers an app's requests while it acts for a remote command (`via: 'remote'`).
   */
  callers?: string[];
  states?: DriveState[];
  maxPerSecond?: number;
  /** Said to the caller when the state rule refuses. */
  because?: string;
}

/** The caller remote commands use; rules naming it also hold for apps acting for a remote command. */
export const REMOTE_CALLER = 'cloud';

/** Any actuator may be commanded at most this often unless a rule says otherwise. */
export const DEFAULT_MAX_PER_SECOND = 5;

const STANDING: DriveState[] = ['parked', 'off', 'charging'];

/** The default rule table: what a head unit may ask of the car, and when. */
export const DEFAULT_RULES: PolicyRule[] = [
  // Nobody in the car watches a remote request while it moves (issue #7): the cloud's own, and an app's on behalf of a remote command.
  { path: 'Vehicle', callers: [REMOTE_CALLER], states: STANDING, because: 'remote commands act only while the car stands still' },
  { path: 'Vehicle.Body.Trunk.Rear.IsOpen', value: true, states: STANDING, because: 'the trunk opens only while the car is parked' },
  { path: 'Vehicle.Cabin.Door', value: false, states: STANDING, because: 'doors unlock only while the car is parked' },
  { path: 'Vehicle.Body.Trunk.Rear.IsLocked', value: false, states: STANDING, because: 'the trunk unlocks only while the car is parked' },
  { path: 'Vehicle.Cabin.HVAC', maxPerSecond: 2 },
  { path: 'Vehicle.Body.Lights', maxPerSecond: 1 },
  { path: 'Vehicle.Powertrain.TractionBattery.Charging', maxPerSecond: 1 },
];

export function ruleApplies(rule: PolicyRule, path: string): boolean {
  return path === rule.path || path.startsWith(rule.path + '.');
}
