import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy for fault tests: forwards to `target`, and can pause (hold every byte,
 * keep the sockets: a stalled network), reset (destroy every connection) and delay each chunk
 * towards the client (a slow broker).
 */
export class TcpProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private paused = false;
  private readonly held: (() => void)[] = [];
  /** Delay (ms) added to every chunk from the broker to the client. */
  delayMs = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | null = null;
    const server = createServer((client) => proxy!.accept(client, targetPort));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    proxy = new TcpProxy(server, (server.address() as AddressInfo).port);
    return proxy;
  }

  private accept(client: Socket, targetPort: number): void {
    const upstream = createConnection({ port: targetPort, host: '127.0.0.1' });
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const forward = (to: Socket, delay: () => number) => (chunk: Buffer) => {
      const send = (): void => {
        if (!to.destroyed) to.write(chunk);
      };
      const go = (): void => (delay() > 0 ? void setTimeout(send, delay()) : send());
      if (this.paused) this.held.push(go);
      else go();
    };
    client.on('data', forward(upstream, () => 0));
    upstream.on('data', forward(client, () => this.delayMs));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }

  /** Holds every byte from now on (connections stay open). */
  pause(): void {
    this.paused = true;
  }

  /** Sends what was held, in order, and forwards again. */
  resume(): void {
    this.paused = false;
    for (const go of this.held.splice(0)) go();
  }

  /** Destroys every connection (RST-like) and forgets what was held. */
  reset(): void {
    this.held.length = 0;
    for (const [a, b] of this.pairs) {
      a.resetAndDestroy();
      b.resetAndDestroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.reset();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
