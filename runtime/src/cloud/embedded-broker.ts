import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';

/** A running embedded broker. */
export interface EmbeddedBroker {
  broker: Aedes;
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts an aedes broker (MQTT 3.1.1, in memory) on `host:port` (default loopback, any free
 * port): the default cloud of `headunit start`, and a real broker for tests.
 */
export async function startEmbeddedBroker(o: { host?: string; port?: number } = {}): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  const host = o.host ?? '127.0.0.1';
  server.listen(o.port ?? 0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  return {
    broker,
    server,
    url: `mqtt://${host}:${port}`,
    port,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })()),
  };
}
