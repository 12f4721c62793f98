/**
 * Lays out each function's Docker build context the way `faas-cli build --shrinkwrap` does, for
 * the image workflow and the deployment check (faas-cli is not served by the Go module proxy):
 *
 *   build/NAME/                 ← template/LANG/* (Dockerfile, template.yml, .dockerignore)
 *   build/NAME/function/        ← the function's handler folder
 *   build/NAME/function/PATH    ← each `configuration.copy` path of stack.yml
 *
 *   node --import tsx deploy/shrinkwrap.ts [stack.yml] [--out build] [--filter NAME]
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export interface StackFunction {
  lang: string;
  handler: string;
  image: string;
  environment?: Record<string, string | number | boolean>;
  secrets?: string[];
  build_args?: Record<string, string>;
  labels?: Record<string, string>;
  limits?: { memory?: string; cpu?: string };
  requests?: { memory?: string; cpu?: string };
}

export interface Stack {
  provider: { name: string; gateway?: string };
  configuration?: { templates?: { name: string }[]; copy?: string[] };
  functions: Record<string, StackFunction>;
}

/** Folders never copied into a build context (local builds, installs, caches). */
const SKIPPED_DIRS = new Set(['node_modules', 'build', 'dist', '.venv', '__pycache__', '.casa']);

/** Reads stack.yml (YAML merge keys resolved; `${VAR:-default}` left as written). */
export function readStack(path: string): Stack {
  return parse(readFileSync(path, 'utf8'), { merge: true }) as Stack;
}

/** `${VAR}`, `${VAR:-default}` as faas-cli's envsubst expands them. */
export function substituteEnv(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => {
    const value = env[name];
    return value !== undefined && value !== '' ? value : (fallback ?? '');
  });
}

function copyTree(from: string, to: string): void {
  cpSync(from, to, {
    recursive: true,
    filter: (src) => !(SKIPPED_DIRS.has(basename(src)) && statSync(src).isDirectory()),
  });
}

/** Writes build/NAME for each function (or those in `only`) and returns the folders written. */
export function shrinkwrap(stackPath: string, options: { outDir?: string; only?: string[] } = {}): string[] {
  const root = dirname(resolve(stackPath));
  const stack = readStack(stackPath);
  const outDir = resolve(root, options.outDir ?? 'build');
  const written: string[] = [];
  for (const [name, fn] of Object.entries(stack.functions)) {
    if (options.only && !options.only.includes(name)) continue;
    const template = join(root, 'template', fn.lang);
    const handler = resolve(root, fn.handler);
    if (!existsSync(join(template, 'Dockerfile'))) throw new Error(`${name}: template ${relative(root, template)} has no Dockerfile`);
    if (!existsSync(handler) || !statSync(handler).isDirectory()) throw new Error(`${name}: handler ${fn.handler} is not a folder`);
    const context = join(outDir, name);
    rmSync(context, { recursive: true, force: true });
    mkdirSync(join(context, 'function'), { recursive: true });
    copyTree(template, context);
    copyTree(handler, join(context, 'function'));
    for (const extra of stack.configuration?.copy ?? []) {
      const source = resolve(root, extra);
      const rel = relative(root, source);
      if (rel.startsWith('..')) throw new Error(`copy path ${extra} is outside the stack's folder`);
      if (!existsSync(source)) throw new Error(`copy path ${extra} does not exist`);
      copyTree(source, join(context, 'function', rel));
    }
    written.push(context);
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const outDir = flag('--out');
  const only = flag('--filter');
  const stackPath = args[0] ?? 'stack.yml';
  for (const dir of shrinkwrap(stackPath, { ...(outDir ? { outDir } : {}), ...(only ? { only: [only] } : {}) })) console.log(dir);
}
