import { TopicError } from './errors.ts';

/** An id usable as one topic level: no wildcards, no separators, no control characters. */
const ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Throws TopicError unless `value` can be one topic level. */
export function checkTopicId(value: string, what: string): string {
  if (!ID.test(value)) throw new TopicError(value, what);
  return value;
}

/**
 * The topic tree of one vehicle (issue #7). Everything lives under `vehicles/{id}/`:
 *
 * ```
 * vehicles/{id}/status                     retained {"online":bool,...}; the last will says offline
 * vehicles/{id}/telemetry                  batched samples (car → cloud)
 * vehicles/{id}/events                     alerts and app events (car → cloud)
 * vehicles/{id}/state/reported             the twin as the car reports it (retained)
 * vehicles/{id}/state/desired              the twin as the owner wants it (cloud → car)
 * vehicles/{id}/commands/{name}            signed remote commands (cloud → car)
 * vehicles/{id}/commands/{name}/reply      default reply topic when the command names none
 * vehicles/{id}/apps/{appId}/...           app traffic, both directions
 * ```
 */
export class VehicleTopics {
  readonly root: string;
  readonly status: string;
  readonly telemetry: string;
  readonly events: string;
  readonly stateReported: string;
  readonly stateDesired: string;
  /** Subscription filter for every command. */
  readonly commandsFilter: string;

  constructor(readonly vehicleId: string) {
    checkTopicId(vehicleId, 'vehicle id');
    this.root = `vehicles/${vehicleId}`;
    this.status = `${this.root}/status`;
    this.telemetry = `${this.root}/telemetry`;
    this.events = `${this.root}/events`;
    this.stateReported = `${this.root}/state/reported`;
    this.stateDesired = `${this.root}/state/desired`;
    this.commandsFilter = `${this.root}/commands/+`;
  }

  command(name: string): string {
    return `${this.root}/commands/${checkTopicId(name, 'command name')}`;
  }

  defaultReply(name: string): string {
    return `${this.command(name)}/reply`;
  }

  /** The command name of a topic under `commands/`, or null. */
  commandName(topic: string): string | null {
    const prefix = `${this.root}/commands/`;
    if (!topic.startsWith(prefix)) return null;
    const name = topic.slice(prefix.length);
    return ID.test(name) ? name : null;
  }

  /** Root of one app's topics: `vehicles/{id}/apps/{appId}`. */
  app(appId: string): string {
    return `${this.root}/apps/${checkTopicId(appId, 'app id')}`;
  }

  /**
   * A topic (or filter, with `+`/`#` allowed when `filter`) below an app's root. Each level of
   * `suffix` must be a plain id, so an app can never reach outside its own subtree.
   */
  appTopic(appId: string, suffix: string, filter = false): string {
    const levels = suffix.split('/');
    levels.forEach((l, i) => {
      const wildcard = filter && (l === '+' || (l === '#' && i === levels.length - 1));
      if (!wildcard && !ID.test(l)) throw new TopicError(suffix, 'topic suffix');
    });
    return `${this.app(appId)}/${suffix}`;
  }
}

/** Does `topic` match the MQTT filter `filter` (`+` one level, trailing `#` the rest)? */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
