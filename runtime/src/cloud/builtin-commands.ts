import type { ActionDecision, ActionPolicy } from '../action-policy/action-policy.ts';
import { DEFAULT_CLIMATE_TARGET_C } from './climate-twin.ts';
import type { VssValue } from '../mapping/mapping.ts';
import type { CommandHandler, CommandResult } from './commands.ts';

/** The caller name remote commands use with the ActionPolicy. */
export const CLOUD_CALLER = 'cloud';

const HVAC = 'Vehicle.Cabin.HVAC';
const PATHS = {
  driverTemp: `${HVAC}.Station.Row1.Driver.Temperature`,
  passengerTemp: `${HVAC}.Station.Row1.Passenger.Temperature`,
  fan: `${HVAC}.Station.Row1.Driver.FanSpeed`,
  ac: `${HVAC}.IsAirConditioningActive`,
  lock: 'Vehicle.Cabin.Door.Row1.DriverSide.IsLocked',
  trunk: 'Vehicle.Body.Trunk.Rear.IsOpen',
} as const;

/** The actuators built-in commands may ask for (the cloud's grant in the ActionPolicy). */
export const CLOUD_ACTUATORS: readonly string[] = Object.values(PATHS);

/** Requests in order; stops at the first refusal, which becomes the command's answer. */
async function act(policy: ActionPolicy, requests: [string, VssValue][]): Promise<CommandResult> {
  const decisions: ActionDecision[] = [];
  for (const [path, value] of requests) {
    if (!policy.actuators.includes(path)) continue;
    const d = await policy.request({ caller: CLOUD_CALLER, path, value });
    decisions.push(d);
    if (!d.allowed) return { status: 'refused', reason: d.reason, detail: d.detail, result: { decisions: decisions.map(brief) } };
  }
  if (decisions.length === 0) return { status: 'failed', reason: 'NOT_SUPPORTED', detail: 'this car has none of the actuators the command needs' };
  return { status: 'done', reason: 'OK', detail: `${decisions.length} request(s) sent`, result: { decisions: decisions.map(brief) } };
}

function brief(d: ActionDecision): { path: string; value: VssValue; allowed: boolean; reason: string } {
  return { path: d.path, value: d.value, allowed: d.allowed, reason: d.reason };
}

function bad(detail: string): CommandResult {
  return { status: 'refused', reason: 'BAD_ARGS', detail };
}

/**
 * Commands every car understands. Each is a list of actuator requests through the
 * ActionPolicy as caller `cloud` — so the policy's rules decide (remote requests act only
 * while the car stands still; the trunk opens only when parked).
 *
 * - `precondition` `{on: boolean, targetC?: number}` (owner, fleet): cabin to targetC (default: the
 *   twin's climate target, 21 °C until the owner sets one) with fan and A/C, or off
 * - `lock` `{locked: boolean}` (owner): the doors
 * - `trunk` `{open: true}` (owner): opens the trunk
 */
export function builtinCommands(policy: ActionPolicy, defaultTargetC: () => number = () => DEFAULT_CLIMATE_TARGET_C): Record<string, CommandHandler> {
  return {
    precondition: {
      run: async ({ args }) => {
        if (typeof args['on'] !== 'boolean') return bad('precondition needs {"on": true|false}');
        const t = args['targetC'] ?? defaultTargetC();
        if (typeof t !== 'number') return bad('targetC must be a number (°C)');
        return act(policy, args['on'] ? [[PATHS.driverTemp, t], [PATHS.passengerTemp, t], [PATHS.fan, 60], [PATHS.ac, true]] : [[PATHS.fan, 0], [PATHS.ac, false]]);
      },
    },
    lock: {
      roles: ['owner'],
      run: async ({ args }) => (typeof args['locked'] === 'boolean' ? act(policy, [[PATHS.lock, args['locked']]]) : bad('lock needs {"locked": true|false}')),
    },
    trunk: {
      roles: ['owner'],
      run: async ({ args }) => (args['open'] === true ? act(policy, [[PATHS.trunk, true]]) : bad('trunk needs {"open": true}')),
    },
  };
}
