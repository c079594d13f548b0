import { EventEmitter } from 'node:events';
import { QUALITY_VALID, type SignalStore } from '../signal-store/signal-store.ts';
import type { HmiNotification, Severity } from './protocol.ts';

/** State of charge (%) below which the head unit raises its own low-battery heads-up. */
export const LOW_BATTERY_PERCENT = 15;
/** The alert re-arms only once the charge is back above this (%), so noise around 15 % alerts once. */
export const LOW_BATTERY_REARM_PERCENT = 16;
/** Notifications kept for the history screen (oldest dropped first). */
export const NOTIFICATION_HISTORY = 50;

const SOC_PATH = 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current';
const RANGE_PATH = 'Vehicle.Powertrain.Range';

/**
 * The notification centre: heads-up alerts from the head unit itself and (with the app platform)
 * from apps, a bounded history, and a `notify` event per new alert.
 */
export class NotificationCenter extends EventEmitter {
  private readonly list: HmiNotification[] = [];
  private seq = 0;

  constructor(private readonly clock: () => number = Date.now) {
    super();
  }

  /** Newest last. */
  get history(): readonly HmiNotification[] {
    return this.list;
  }

  /** Adds a notification and emits `notify`; returns it. */
  raise(source: string, severity: Severity, title: string, body: string): HmiNotification {
    const n: HmiNotification = { id: `${source}-${++this.seq}`, source, severity, title, body, timeMs: this.clock() };
    this.list.push(n);
    if (this.list.length > NOTIFICATION_HISTORY) this.list.shift();
    this.emit('notify', n);
    return n;
  }
}

/**
 * Watches the traction battery and raises a critical heads-up when the state of charge falls
 * below 15 % (once; again only after it was back above 16 %). Only valid values count: a stale or
 * invalid reading neither raises nor re-arms. When `deferTo()` names an app (one that reads the
 * charge and may notify, such as the EV charge alert), that app's alert is the heads-up and this
 * one stays silent, so the driver never gets two for one event. Returns the unsubscribe function.
 */
export function watchLowBattery(store: SignalStore, center: NotificationCenter, deferTo: () => string | null = () => null): () => void {
  const soc = store.index(SOC_PATH);
  const range = store.index(RANGE_PATH);
  if (soc < 0) return () => {};
  let armed = true;
  return store.subscribe([soc], { threshold: 0 }, (updates) => {
    for (const u of updates) {
      if (u.quality !== QUALITY_VALID) continue;
      if (armed && u.value < LOW_BATTERY_PERCENT) {
        armed = false;
        if (deferTo() !== null) continue;
        const km = range >= 0 && store.quality[range] === QUALITY_VALID ? Math.round(store.values[range]! / 1000) : null;
        const left = km === null ? '' : ` About ${km} km left.`;
        center.raise('hmi', 'critical', 'Battery low', `Charge is ${u.value.toFixed(1)} %.${left} Plan a charging stop.`);
      } else if (!armed && u.value > LOW_BATTERY_REARM_PERCENT) {
        armed = true;
      }
    }
  });
}
