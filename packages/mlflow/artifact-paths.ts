import { InvalidInputError } from '../core/index.js';

const PROXY_ROUTE = '/api/2.0/mlflow-artifacts/artifacts';

/**
 * The path under MLflow's artifact proxy for an artifact root the proxy serves:
 * `mlflow-artifacts:/1/abc/artifacts`, `mlflow-artifacts://host:port/1/abc/artifacts` and
 * `http(s)://host/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts` all give `1/abc/artifacts`.
 * A root the proxy does not serve (s3://, file://) cannot be reached through this client.
 */
export function proxyPathOf(artifactUri: string): string {
  let rest: string | undefined;
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(artifactUri);
  if (m) rest = m[1];
  else if (/^https?:\/\//.test(artifactUri)) {
    const path = new URL(artifactUri).pathname;
    const at = path.indexOf(PROXY_ROUTE);
    if (at >= 0) rest = decodeURIComponent(path.slice(at + PROXY_ROUTE.length));
  }
  if (rest === undefined) {
    throw new InvalidInputError(`artifact location ${JSON.stringify(artifactUri)} is not served by MLflow's artifact proxy (start the server with --serve-artifacts and leave --default-artifact-root unset)`);
  }
  return normaliseArtifactPath(rest, 'artifactUri', true);
}

/** Joins artifact path parts with `/`, refusing `..`, `.` and backslashes so no path can climb out of its root. */
export function joinArtifactPath(...parts: string[]): string {
  return parts
    .map((p) => normaliseArtifactPath(p, 'artifactPath', true))
    .filter((p) => p !== '')
    .join('/');
}

/** The URL path for an artifact path under the proxy, each segment percent-encoded. */
export function encodeArtifactPath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function normaliseArtifactPath(path: string, field: string, allowEmpty: boolean): string {
  const segments = path.split('/').filter((s) => s !== '');
  if (!allowEmpty && segments.length === 0) throw new InvalidInputError(`${field} must not be empty`);
  for (const s of segments) {
    if (s === '.' || s === '..' || s.includes('\\') || s.includes('\0')) {
      throw new InvalidInputError(`${field} ${JSON.stringify(path)} must not contain ., .., backslashes or NUL`);
    }
  }
  return segments.join('/');
}
