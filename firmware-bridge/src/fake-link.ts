import type { CanFrame } from '../../dbc/index.ts';
import { LinkBase } from './link-base.ts';
import type { LinkOptions, OutgoingFrame } from './link.ts';

/**
 * A link with no device, for tests of code that consumes links: `inject()` plays the bus,
 * `sent` records what was transmitted (after the allow-list check, like a real link).
 */
export class FakeLink extends LinkBase {
  readonly sent: OutgoingFrame[] = [];
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
    this.sent.push(frame);
  }
}

/** Registry factory for `fake:NAME` URLs. */
export function createFakeLink(url: { url: string }, options: LinkOptions): FakeLink {
  return new FakeLink(url.url, options);
}
