import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startPostgres, type PostgresServer } from './postgres.js';

const psql = (server: PostgresServer, sql: string): string =>
  execFileSync('psql', [server.url, '-tA', '-c', sql], { encoding: 'utf8' }).trim();

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('startPostgres', () => {
  let server: PostgresServer;
  before(async () => {
    server = await startPostgres({ database: 'casa_test' });
  });
  after(async () => {
    await server?.stop();
  });

  it('serves the named database on a 127.0.0.1 URL', () => {
    // Prepare / Act
    const name = psql(server, 'select current_database()');
    // Assess
    assert.match(server.url, /^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/casa_test$/);
    assert.equal(name, 'casa_test');
  });

  it('accepts writes and reads them back', () => {
    psql(server, 'create table t (x int); insert into t values (41), (1)');
    assert.equal(psql(server, 'select sum(x) from t'), '42');
  });

  it('stops by PID and removes its data', async () => {
    // Prepare: a second, independent server
    const other = await startPostgres();
    const dataDir = psql(other, 'show data_directory');
    assert.ok(isRunning(other.pid));
    // Act
    await other.stop();
    await other.stop();
    // Assess
    assert.equal(isRunning(other.pid), false);
    assert.equal(existsSync(dataDir), false);
    assert.notEqual(other.port, server.port);
  });
});
