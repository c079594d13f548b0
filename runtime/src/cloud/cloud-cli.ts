import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { UsageError, type CliCommand } from '../../../dbc/index.ts';
import { DEFAULT_CONFIG, loadCarConfig } from '../config/car-config.ts';
import { dataDirFrom } from '../config/data-dir.ts';
import { generateSigningKey, readPrivateKey, signCommand } from './command-signing.ts';
import { parseCloudUrl } from './connection.ts';
import { brokerUrlFile, cloudDir, trustedKeysFile } from './runtime-cloud.ts';
import { checkTopicId } from './topics.ts';


/** `headunit cloud keygen`: an owner (or fleet) key pair; the car's data folder trusts its public half. */
export const cloudKeygenCommand: CliCommand = {
  name: 'cloud keygen',
  summary: 'make an ed25519 key for signing remote commands and trust it on this head unit',
  help: `Usage: headunit cloud keygen [--data DIR] [--out FILE] [--kid ID] [--role owner|fleet]

Writes a new ed25519 private key (PEM, mode 600) to --out (default DIR/cloud/<kid>.key) and adds
its public key to DIR/cloud/trusted-keys.json, which the running head unit reads (a key it
does not know yet is looked up there again). Keep the private key on the owner's side.

Options:
  --data DIR     the head unit's data folder (default $HEADUNIT_DATA, else ~/.headunit)
  --out FILE     where to write the private key
  --kid ID       key id sent with each command (default: owner)
  --role R       owner (every command) or fleet (what fleet keys may run; default owner)`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { data: { type: 'string' }, out: { type: 'string' }, kid: { type: 'string' }, role: { type: 'string' } } });
    const dir = dataDirFrom(values.data);
    const kid = checkKid(values.kid ?? 'owner');
    const role = values.role ?? 'owner';
    if (role !== 'owner' && role !== 'fleet') throw new UsageError(`--role must be owner or fleet, not '${role}'`);
    const out = resolve(values.out ?? join(cloudDir(dir), `${kid}.key`));
    if (existsSync(out)) throw new UsageError(`${out} exists; choose another --out or --kid`);
    const { privatePem, publicPem } = generateSigningKey();
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, privatePem, { mode: 0o600 });
    chmodSync(out, 0o600);
    const file = trustedKeysFile(dir);
    const keys = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { kid: string }[]) : [];
    const next = [...keys.filter((k) => k.kid !== kid), { kid, role, publicKey: publicPem }];
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(next, null, 2) + '\n');
    io.stdout.write(`private key: ${out}\ntrusted as ${kid} (${role}) in ${file}\n`);
    return 0;
  },
};

function checkKid(kid: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(kid)) throw new UsageError(`--kid must be 1-64 of [A-Za-z0-9._-], not '${kid}'`);
  return kid;
}

/** `headunit cloud command`: signs a remote command, sends it and prints the car's reply. */
export const cloudCommandCommand: CliCommand = {
  name: 'cloud command',
  summary: 'sign a remote command with an owner key, send it over MQTT, print the reply',
  help: `Usage: headunit cloud command NAME --key FILE [--args JSON] [--url URL] [--vehicle ID]
                              [--kid ID] [--ttl S] [--timeout S] [--data DIR]

Plays the owner's phone: signs {args, expiry, nonce} for vehicle ID and command NAME with the
ed25519 key, publishes it on vehicles/ID/commands/NAME and waits for the reply (MQTT 5
response topic + correlation data; on a 3.1.1 broker a replyTo in the payload).
Exit 0 when the car did it, 1 when it refused or failed (the reply is printed as JSON).

Commands every car knows: precondition {"on":true,"targetC":21}, lock {"locked":true},
trunk {"open":true}; apps add their own ('app' {"app":ID,"name":...,"args":{...}}).

Options:
  --key FILE     the private key (from 'headunit cloud keygen')
  --args JSON    the command's arguments (default {})
  --url URL      broker (default: the one the running head unit wrote to DIR/cloud/broker-url)
  --vehicle ID   vehicle id (default: the demo car's)
  --kid ID       key id (default: the key file's name without .key)
  --ttl S        the command expires after S seconds (default 60)
  --timeout S    how long to wait for the reply (default 10)
  --data DIR     the head unit's data folder (default $HEADUNIT_DATA, else ~/.headunit)`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { key: { type: 'string' }, args: { type: 'string' }, url: { type: 'string' }, vehicle: { type: 'string' }, kid: { type: 'string' }, ttl: { type: 'string' }, timeout: { type: 'string' }, data: { type: 'string' } },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one command NAME');
    if (!values.key) throw new UsageError('--key FILE is required');
    const name = checkTopicId(positionals[0]!, 'command name');
    let cmdArgs: Record<string, unknown>;
    try {
      cmdArgs = JSON.parse(values.args ?? '{}') as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`--args is not JSON: ${(err as Error).message}`);
    }
    if (typeof cmdArgs !== 'object' || cmdArgs === null || Array.isArray(cmdArgs)) throw new UsageError('--args must be a JSON object');
    const url = values.url ?? readBrokerUrl(dataDirFrom(values.data));
    parseCloudUrl(url);
    const vehicleId = checkTopicId(values.vehicle ?? loadCarConfig(DEFAULT_CONFIG).vehicleId, 'vehicle id');
    const kid = checkKid(values.kid ?? values.key.replace(/^.*\//, '').replace(/\.key$/, ''));
    const ttlS = seconds(values.ttl ?? '60', '--ttl');
    const timeoutS = seconds(values.timeout ?? '10', '--timeout');
    const key = readPrivateKey(values.key);
    const replyTopic = `owners/${kid}/replies/${randomBytes(6).toString('hex')}`;
    const client = await connectEitherVersion(url);
    try {
      await client.subscribeAsync(replyTopic, { qos: 1 });
      const v5 = client.options.protocolVersion === 5;
      const cmd = signCommand(key, { kid, vehicleId, name, args: cmdArgs, ttlMs: ttlS * 1000, ...(v5 ? {} : { replyTo: replyTopic }) });
      const reply = waitForReply(client, replyTopic, timeoutS);
      await client.publishAsync(`vehicles/${vehicleId}/commands/${name}`, JSON.stringify(cmd), { qos: 1, ...(v5 ? { properties: { responseTopic: replyTopic, correlationData: Buffer.from(cmd.nonce) } } : {}) });
      const r = await reply;
      io.stdout.write(JSON.stringify(r, null, 2) + '\n');
      return r['status'] === 'done' ? 0 : 1;
    } finally {
      await client.endAsync(true);
    }
  },
};

function seconds(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${what} must be a positive number of seconds, not '${v}'`);
  return n;
}

function readBrokerUrl(dir: string): string {
  try {
    return readFileSync(brokerUrlFile(dir), 'utf8').trim();
  } catch {
    throw new UsageError(`no --url and no running head unit wrote ${brokerUrlFile(dir)}; start one ('headunit start') or give --url`);
  }
}

/** MQTT 5 first; a broker that refuses it (aedes) gets 3.1.1. */
async function connectEitherVersion(url: string): Promise<MqttClient> {
  for (const protocolVersion of [5, 4] as const) {
    const client = mqtt.connect(url, { protocolVersion, reconnectPeriod: 0, connectTimeout: 5000, clientId: `headunit-cli-${randomBytes(4).toString('hex')}` });
    const ok = await new Promise<boolean | Error>((resolve) => {
      client.once('connect', () => resolve(true));
      client.once('error', (err: Error & { code?: number }) => resolve(err.code === 1 || err.code === 132 ? false : err));
      client.once('close', () => resolve(new Error(`cannot connect to ${url}`)));
    });
    if (ok === true) return client;
    client.end(true);
    if (ok instanceof Error) throw Object.assign(ok, { code: 'CLOUD_CONNECT' });
  }
  throw Object.assign(new Error(`${url} accepts neither MQTT 5 nor 3.1.1`), { code: 'CLOUD_CONNECT' });
}

function waitForReply(client: MqttClient, topic: string, timeoutS: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error(`no reply within ${timeoutS} s (is the head unit running and connected?)`), { code: 'NO_REPLY' })), timeoutS * 1000);
    client.on('message', (t, payload) => {
      if (t !== topic) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(payload.toString('utf8')) as Record<string, unknown>);
      } catch (err) {
        reject(Object.assign(new Error(`reply is not JSON: ${(err as Error).message}`), { code: 'BAD_REPLY' }));
      }
    });
  });
}
