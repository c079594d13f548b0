import type { CanFrame } from '../../dbc/index.ts';
import { LinkBase } from './link-base.ts';
import type { LinkOptions, OutgoingFrame } from './link.ts';

/**
 * A link with no device, for tests of code that consumes links: `inject()` plays the bus,
 * `sent` records what was transmitted (after the allow-list check, like a real link).
 */
/** `sent` keeps the newest frames, at least this many and at most twice: a long replay into a fake must not grow without bound. */
export const FAKE_SENT_LIMIT = 10_000;

export class FakeLink extends LinkBase {
  /** The newest transmitted frames, oldest first (at least `FAKE_SENT_LIMIT` of them, at most twice that; `sentTotal` counts all). */
  readonly sent: OutgoingFrame[] = [];
  /** Frames transmitted since creation. */
  sentTotal = 0;
  private t0 = Date.now() * 1000;

  constructor(url = 'fake:fake0', options: LinkOptions = {}) {
    super(url, url.replace(/^fake:/, '') || 'fake0', options);
  }

  /** Delivers a frame as if it came from the bus. */
  inject(frame: OutgoingFrame, timestampUs = this.t0++): void {
    const f: CanFrame = {
      timestampUs,
      bus: this.bus,
      id: frame.id,
      extended: frame.extended,
      fd: frame.fd ?? false,
      brs: frame.brs ?? false,
      esi: false,
      rtr: frame.rtr ?? false,
      error: false,
      data: frame.data,
    };
    this.deliver(f);
  }

  protected async doOpen(): Promise<void> {}
  protected async doClose(): Promise<void> {}
  protected async transmit(frame: OutgoingFrame): Promise<void> {
    this.sentTotal++;
    this.sent.push(frame);
    if (this.sent.length >= 2 * FAKE_SENT_LIMIT) this.sent.splice(0, FAKE_SENT_LIMIT);
  }
}

/** Registry factory for `fake:NAME` URLs. */
export function createFakeLink(url: { url: string }, options: LinkOptions): FakeLink {
  return new FakeLink(url.url, options);
}
