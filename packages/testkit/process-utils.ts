import { createServer } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it: listen on 0, then close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` every 100 ms until it returns true; rethrows what it throws; fails after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves true when the child exits within `timeoutMs`, false otherwise. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Keeps the last `maxChars` of a stream's text, for error messages when a server fails to start. */
export function tail(stream: Readable, maxChars = 8_000): () => string {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text = (text + chunk).slice(-maxChars);
  });
  return () => text;
}

/** True when GET `url` answers 2xx within 2 s (a health probe while a server starts). */
export async function answersOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** Signals a child started with `detached: true` and everything it spawned (its process group). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** TERM to a process group, KILL if it has not exited within 10 s, and KILL again for stragglers (e.g. a server's own workers). */
export async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    killGroup(child, 'SIGTERM');
    if (!(await waitForExit(child, 10_000))) killGroup(child, 'SIGKILL');
    await waitForExit(child, 5_000);
  }
  killGroup(child, 'SIGKILL');
}

/**
 * Looks after a child spawned with `detached: true` and piped output: keeps the tail of its
 * output for error messages, kills its group if this process exits first, and stops it.
 */
export function superviseGroup(child: ChildProcess): { logs: () => string; stop: () => Promise<void> } {
  const out = tail(child.stdout!, 20_000);
  const err = tail(child.stderr!, 20_000);
  const killOnExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);
  return {
    logs: () => `${out()}${err()}`,
    stop: async () => {
      await stopGroup(child);
      process.removeListener('exit', killOnExit);
    },
  };
}
