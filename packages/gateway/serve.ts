import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { CasaFunction } from './casa-function.js';
import { createGatewayApp, type GatewayOptions } from './gateway.js';

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves any fetch handler on host:port (port 0 picks a free one) and resolves once listening. */
export function serveFetch(fetch: (req: Request) => Response | Promise<Response>, host: string, port: number): Promise<RunningServer & { server: ReturnType<typeof serve> }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: host, port }, (info: AddressInfo) => {
      const shown = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        server,
        url: `http://${shown}:${info.port}`,
        port: info.port,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          // Idle keep-alive sockets would otherwise hold close() open.
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        }),
      });
    });
    server.once('error', reject);
  });
}

/** Starts the local gateway; `close` drains async calls and closes every function. */
export async function startGateway(opts: { host?: string; port?: number; functions: readonly CasaFunction[] } & GatewayOptions): Promise<RunningServer> {
  const app = createGatewayApp(opts.functions, opts);
  const running = await serveFetch(app.fetch, opts.host ?? '127.0.0.1', opts.port ?? 8080);
  return {
    url: running.url,
    port: running.port,
    async close() {
      await running.close();
      await app.drain();
      await Promise.allSettled(opts.functions.map((f) => f.close?.()));
    },
  };
}
