/**
 * What a casa function is to the gateway: a name and a Web-standard fetch handler, plus an
 * optional `close` run on shutdown (predict flushes its request log there). The same handler
 * runs under the OpenFaaS watchdog in production and under the local gateway here.
 */
export interface CasaFunction {
  readonly name: string;
  /** Receives the request with the `/function/NAME` prefix already stripped, as OpenFaaS does. */
  handle(req: Request): Promise<Response>;
  /**
   * Optional in-process path for the local gateway: the request exactly as the gateway received
   * it, its path still under `mountedAt` (e.g. `/function/predict`). It spares the copy `handle`
   * needs (a new Request with the prefix stripped and its body streamed through again), which
   * is a quarter of a small call's CPU. It must answer exactly as `handle` would.
   */
  handleMounted?(req: Request, mountedAt: string): Promise<Response>;
  close?(): Promise<void>;
}

/** Function names are DNS-label-like, as OpenFaaS requires. */
export const FUNCTION_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** What a function's router is given with a call through `handleMounted`. */
export interface MountedEnv {
  mountedAt?: string;
}

/**
 * The request's path as the function sees it: without the gateway's prefix when the call came
 * through `handleMounted` (`env.mountedAt`), as is otherwise. Made to be a Hono app's `getPath`,
 * so one router serves both `handle` and `handleMounted`.
 */
export function functionPath(req: Request, options?: { env?: MountedEnv | undefined }): string {
  const url = req.url;
  const start = url.indexOf('/', url.indexOf('://') + 3);
  if (start === -1) return '/';
  const query = url.indexOf('?', start);
  let path = query === -1 ? url.slice(start) : url.slice(start, query);
  if (path.includes('%')) path = decodedOrAsIs(path);
  const prefix = options?.env?.mountedAt;
  if (prefix && path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/')) path = path.slice(prefix.length) || '/';
  return path;
}

function decodedOrAsIs(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path; // malformed escapes route as written, and so to a 404
  }
}
