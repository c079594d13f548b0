import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO = '/usr/sbin/mosquitto';

/** A free loopback TCP port (listen on 0, close, reuse the number). */
export async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = createConnection({ port, host: '127.0.0.1' });
      c.once('connect', () => (c.destroy(), resolve(true)));
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A real mosquitto (MQTT 5, persistence on; as this process's user — started as root it would
 * otherwise switch to `mosquitto` and could neither write the temp persistence folder nor read the keys) on a free loopback port with its config and
 * persistence in `dir`, for tests. `restart()` stops it (SIGTERM: it saves its database) and
 * starts it again on the same port; `kill()` stops it for good.
 */
export class Mosquitto {
  private proc: ChildProcess | null = null;
  readonly url: string;

  private constructor(
    readonly dir: string,
    readonly port: number,
    scheme: 'mqtt' | 'mqtts' = 'mqtt',
  ) {
    this.url = `${scheme}://127.0.0.1:${port}`;
  }

  static available(): boolean {
    return existsSync(MOSQUITTO);
  }

  /** `listenerConfig` replaces the plain listener's options (e.g. TLS files and require_certificate). */
  static async start(dir: string, extraConfig = '', listenerConfig = ''): Promise<Mosquitto> {
    const m = new Mosquitto(dir, await freePort(), listenerConfig ? 'mqtts' : 'mqtt');
    mkdirSync(join(dir, 'persist'), { recursive: true });
    writeFileSync(
      join(dir, 'mosquitto.conf'),
      [`user ${userInfo().username}`, `listener ${m.port} 127.0.0.1`, listenerConfig, 'allow_anonymous true', 'persistence true', `persistence_location ${join(dir, 'persist')}/`, 'max_queued_messages 1000000', 'max_inflight_messages 1000', 'log_dest none', extraConfig, ''].join('\n'),
    );
    await m.spawn();
    return m;
  }

  private async spawn(): Promise<void> {
    this.proc = spawn(MOSQUITTO, ['-c', join(this.dir, 'mosquitto.conf')], { stdio: 'ignore' });
    await waitForPort(this.port, 5000);
  }

  /** Stops the broker (SIGTERM, or SIGKILL to lose what it had not saved). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    p.kill(signal);
    await once(p, 'exit');
  }

  async restart(downMs = 0, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.spawn();
  }

  async kill(): Promise<void> {
    await this.stop('SIGKILL');
  }
}
