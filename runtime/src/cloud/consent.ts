import { EventEmitter } from 'node:events';
import { CATEGORIES, DEFAULT_CONSENT, isCategory, type Category, type DataClass } from './categories.ts';
import type { CloudDatabase } from './cloud-db.ts';
import { ConsentError } from './errors.ts';

/** The owner's choices as the HMI shows them. */
export interface ConsentState {
  privacyMode: boolean;
  categories: Record<Category, { granted: boolean; changedMs: number | null }>;
}

/**
 * The owner's consent per data category and the privacy mode, stored in the cloud database so
 * it survives restarts. `allows(class)` is asked before anything enters the outbox. A change
 * that takes consent away emits `revoked` with the classes whose queued data must be purged.
 */
export class ConsentStore extends EventEmitter {
  private readonly granted = new Map<Category, { granted: boolean; changedMs: number | null }>();
  private privacy = false;

  constructor(
    private readonly db: CloudDatabase,
    private readonly clock: () => number = Date.now,
  ) {
    super();
    for (const c of CATEGORIES) this.granted.set(c, { granted: DEFAULT_CONSENT[c], changedMs: null });
    for (const r of db.prepare('SELECT category, granted, changed_ms FROM consent').all() as { category: string; granted: number; changed_ms: number }[]) {
      if (isCategory(r.category)) this.granted.set(r.category, { granted: r.granted === 1, changedMs: r.changed_ms });
    }
    const p = db.prepare("SELECT value FROM settings WHERE key = 'privacy_mode'").get() as { value: string } | undefined;
    this.privacy = p?.value === '1';
  }

  /** May data of this class leave the car now? `service` always may. */
  allows(c: DataClass): boolean {
    if (c === 'service') return true;
    return !this.privacy && this.granted.get(c)!.granted;
  }

  get privacyMode(): boolean {
    return this.privacy;
  }

  state(): ConsentState {
    const categories = {} as ConsentState['categories'];
    for (const c of CATEGORIES) categories[c] = { ...this.granted.get(c)! };
    return { privacyMode: this.privacy, categories };
  }

  /**
   * Grants or revokes one category.
   * @throws ConsentError for an unknown category.
   */
  set(category: string, granted: boolean): void {
    if (!isCategory(category)) throw new ConsentError(category, `unknown category; expected one of ${CATEGORIES.join(', ')}`);
    const now = this.clock();
    const was = this.allows(category);
    this.db.prepare('INSERT INTO consent (category, granted, changed_ms) VALUES (?,?,?) ON CONFLICT(category) DO UPDATE SET granted = excluded.granted, changed_ms = excluded.changed_ms').run(category, granted ? 1 : 0, now);
    this.granted.set(category, { granted, changedMs: now });
    this.emit('change', this.state());
    if (was && !this.allows(category)) this.emit('revoked', [category]);
  }

  /** Privacy mode on stops every category (queued data is purged); off restores the categories' own choices. */
  setPrivacyMode(on: boolean): void {
    const before = CATEGORIES.filter((c) => this.allows(c));
    this.db.prepare("INSERT INTO settings (key, value) VALUES ('privacy_mode', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(on ? '1' : '0');
    this.privacy = on;
    this.emit('change', this.state());
    const lost = before.filter((c) => !this.allows(c));
    if (lost.length > 0) this.emit('revoked', lost);
  }
}
