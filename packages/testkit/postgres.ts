import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor, waitForExit, tail } from './process-utils.js';

/** A throwaway PostgreSQL server started by a test. */
export interface PostgresServer {
  /** `postgresql://postgres@127.0.0.1:PORT/DATABASE` (trust auth on loopback only). */
  url: string;
  port: number;
  database: string;
  /** PID of the postmaster. */
  pid: number;
  /** Fast shutdown by PID, then removes the cluster's directory. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Database created after start; default `casa`. */
  database?: string;
  /** Folder with initdb/postgres/createdb; default `$CASA_PG_BIN` or Debian's newest `/usr/lib/postgresql/N/bin`. */
  binDir?: string;
  /** Give up waiting for the server after this long; default 30 s. */
  startTimeoutMs?: number;
}

/**
 * Starts a fresh PostgreSQL cluster in a temp folder on a free 127.0.0.1 port, creates one
 * database and returns its URL. Durability is switched off (fsync, synchronous_commit): the
 * cluster lives only as long as the test. As root the server runs as the `postgres` user,
 * because PostgreSQL refuses to run as root.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const database = options.database ?? 'casa';
  const bin = options.binDir ?? process.env.CASA_PG_BIN ?? findPostgresBin();
  const owner = process.getuid?.() === 0 ? lookupUser('postgres') : undefined;

  const root = mkdtempSync(join(tmpdir(), 'casa-pg-'));
  if (owner) chownSync(root, owner.uid, owner.gid);
  const dataDir = join(root, 'data');
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  try {
    execFileSync(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
      ...asOwner,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(err as { stderr?: Buffer }).stderr?.toString() ?? String(err)}`, { cause: err });
  }

  // A free port can be taken between probing and binding; a second try with a new port covers it.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const child = spawn(join(bin, 'postgres'), [
      '-D', dataDir, '-p', String(port), '-k', root,
      '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    ], { ...asOwner, stdio: ['ignore', 'ignore', 'pipe'] });
    const log = tail(child.stderr!);
    // If the test process dies without stop(): immediate shutdown, and the cluster's files go too.
    const killOnExit = () => {
      child.kill('SIGQUIT');
      rmSync(root, { recursive: true, force: true });
    };
    process.once('exit', killOnExit);
    try {
      await waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}:\n${log()}`);
        return isReady(bin, port);
      }, options.startTimeoutMs ?? 30_000, 'postgres to accept connections');
      execFileSync(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', database], { stdio: ['ignore', 'ignore', 'pipe'] });
      return {
        url: `postgresql://postgres@127.0.0.1:${port}/${database}`,
        port,
        database,
        pid: child.pid!,
        stop: async () => {
          await stopPostmaster(child);
          process.removeListener('exit', killOnExit);
          rmSync(root, { recursive: true, force: true });
        },
      };
    } catch (err) {
      lastError = err;
      await stopPostmaster(child);
      process.removeListener('exit', killOnExit);
    }
  }
  rmSync(root, { recursive: true, force: true });
  throw lastError;
}

async function stopPostmaster(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT'); // fast shutdown: rolls back open transactions, closes clients
  if (!(await waitForExit(child, 10_000))) {
    child.kill('SIGKILL');
    await waitForExit(child, 5_000);
  }
}

function isReady(bin: string, port: number): boolean {
  try {
    execFileSync(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function findPostgresBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) if (existsSync(join(base, v, 'bin', 'initdb'))) return join(base, v, 'bin');
  throw new Error('PostgreSQL server binaries not found: install Debian\'s postgresql (scripts/setup-apt.sh) or set CASA_PG_BIN');
}

function lookupUser(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error(`user ${name} not found: PostgreSQL cannot run as root without it`);
  return { uid: Number(uid), gid: Number(gid) };
}
