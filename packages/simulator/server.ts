import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createSimulator, type Simulator, type SimulatorOptions } from './app.js';

export interface DataApiServerOptions extends SimulatorOptions {
  /** 0 = any free port. */
  port?: number;
  host?: string;
}

export interface DataApiServer {
  url: string;
  port: number;
  simulator: Simulator;
  /** Stops listening and cuts any response still streaming. */
  close(): Promise<void>;
}

/** Starts the simulator on a real HTTP port (127.0.0.1 and a free port by default). */
export async function startDataApi(options: DataApiServerOptions = {}): Promise<DataApiServer> {
  const simulator = createSimulator(options);
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: simulator.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    port,
    simulator,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
