/**
 * Signal integrity: checksums and rolling counters as opendbc checks them, and message timeouts.
 *
 * ```ts
 * const checker = new IntegrityChecker(db.messages, checksumSchemeForFile(db.file));
 * const flags = checker.check(i, frame, 0, frame.length); // INTEGRITY_OK or INTEGRITY_* flags
 * const timeouts = new MessageTimeouts(db.messages);
 * timeouts.seen(i, nowMs);  timeouts.isStale(i, nowMs);
 * ```
 */
export {
  CHECKSUM_SCHEMES,
  INTEGRITY_BAD_CHECKSUM,
  INTEGRITY_BAD_COUNTER,
  INTEGRITY_OK,
  INTEGRITY_TRUNCATED,
  IntegrityChecker,
  checksumSchemeForFile,
  type ChecksumScheme,
  type IntegrityStats,
} from './checksums.ts';
export { MAX_COUNTER_BITS } from './integrity-plan.ts';
export {
  DEFAULT_FALLBACK_PERIOD_MS,
  DEFAULT_LEARN_INTERVALS,
  DEFAULT_SMOOTHING,
  DEFAULT_TIMEOUT_FACTOR,
  MessageTimeouts,
  type MessageTimeoutsOptions,
} from './timeouts.ts';
