/**
 * Heartbeats out and link-loss detection in (UART-BRIDGE-PROTOCOL.md §9), on an injected timer
 * (cf. MQTT.js KeepaliveManager). Every `periodMs` it sends a heartbeat; when nothing has been
 * received for more than `timeoutMs` it stops and reports the silence instead.
 */
import type { BridgeTimer, TimerHandle } from './bridge-timer.ts';

export class Keepalive {
  private handle: TimerHandle | null = null;
  private lastSeenMs = 0;

  constructor(
    private readonly timer: BridgeTimer,
    /** Heartbeat period, ms. */
    private readonly periodMs: number,
    /** Silence that counts as a lost peer, ms. */
    private readonly timeoutMs: number,
    private readonly sendHeartbeat: () => void,
    /** Called once, with the silence in ms, when the peer is lost; the keepalive has stopped. */
    private readonly onLost: (silentMs: number) => void,
  ) {}

  /** Starts (or restarts) the period; the peer counts as just seen. */
  start(): void {
    this.stop();
    this.lastSeenMs = this.timer.nowMs();
    this.handle = this.timer.setTimeout(() => this.tick(), this.periodMs);
  }

  stop(): void {
    if (this.handle !== null) this.timer.clearTimeout(this.handle);
    this.handle = null;
  }

  /** Something valid arrived from the peer. */
  seen(): void {
    this.lastSeenMs = this.timer.nowMs();
  }

  private tick(): void {
    this.handle = null;
    const silentMs = this.timer.nowMs() - this.lastSeenMs;
    if (silentMs > this.timeoutMs) return this.onLost(silentMs);
    this.sendHeartbeat();
    this.handle = this.timer.setTimeout(() => this.tick(), this.periodMs);
  }
}
