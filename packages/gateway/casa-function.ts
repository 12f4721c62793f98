/**
 * What a casa function is to the gateway: a name and a Web-standard fetch handler, plus an
 * optional `close` run on shutdown (predict flushes its request log there). The same handler
 * runs under the OpenFaaS watchdog in production and under the local gateway here.
 */
export interface CasaFunction {
  readonly name: string;
  /** Receives the request with the `/function/NAME` prefix already stripped, as OpenFaaS does. */
  handle(req: Request): Promise<Response>;
  close?(): Promise<void>;
}

/** Function names are DNS-label-like, as OpenFaaS requires. */
export const FUNCTION_NAME = /^[a-z][a-z0-9-]{0,62}$/;
