/**
 * Readers for the deployment files, shared by the deployment checks (deploy/*.test.ts): the
 * Dockerfiles' instructions, the compose file with its variables, the image workflow's matrices,
 * and where the tools from scripts/setup-deploy-tools.sh live.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const COMPONENTS_DIR = join(REPO_ROOT, 'deploy', 'images');
export const TEMPLATE_DOCKERFILE = join(REPO_ROOT, 'template', 'casa-node20', 'Dockerfile');

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** A Dockerfile's instructions, continuation lines joined, comments dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trim().startsWith('#'))) return;
    if (pending !== '' && line.trim().startsWith('#')) return;
    if (pending === '') start = i + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^(\S+)\s*(.*)$/s.exec(full)!;
    out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start });
  });
  return out;
}

/** The final stage's instructions (after the last FROM). */
export function finalStage(instructions: Instruction[]): Instruction[] {
  const last = instructions.map((x) => x.keyword).lastIndexOf('FROM');
  return instructions.slice(last);
}

/** An exec-form (JSON array) CMD/ENTRYPOINT as argv; shell form as ['/bin/sh', '-c', text]. */
export function commandArgv(args: string): string[] {
  if (args.startsWith('[')) return JSON.parse(args) as string[];
  return ['/bin/sh', '-c', args];
}

/** The CMD of the final stage as argv (ENTRYPOINT is not used by casa's images; asserted in tests). */
export function dockerfileCmd(path: string): string[] {
  const cmd = finalStage(parseDockerfile(readFileSync(path, 'utf8'))).filter((x) => x.keyword === 'CMD').at(-1);
  if (!cmd) throw new Error(`${path} has no CMD`);
  return commandArgv(cmd.args);
}

/** Every ENV of the final stage, values unquoted (`${ARG}` references left as written). */
export function dockerfileEnv(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const x of finalStage(parseDockerfile(readFileSync(path, 'utf8')))) {
    if (x.keyword !== 'ENV') continue;
    for (const m of x.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
      env[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
    }
  }
  return env;
}

/** The folders under functions/ (each one function). */
export function functionFolders(): string[] {
  const dir = join(REPO_ROOT, 'functions');
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort();
}

/** The components with a Dockerfile under deploy/images/. */
export function componentNames(): string[] {
  return readdirSync(COMPONENTS_DIR)
    .filter((name) => existsSync(join(COMPONENTS_DIR, name, 'Dockerfile')))
    .sort();
}

/** deploy/.env.example as a map. */
export function readEnvExample(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(REPO_ROOT, 'deploy', '.env.example'), 'utf8').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/** Compose-style interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}; `$$` is a literal `$`. */
export function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-?])([^}]*))?\}/g, (whole, name?: string, op?: string, arg?: string) => {
    if (whole === '$$') return '$';
    const value = env[name!];
    if (value !== undefined && value !== '') return value;
    if (op === '?') throw new Error(`${name} is required: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

/** Every `${VAR:?…}` the compose file requires. */
export function requiredVariables(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):\?/g)].map((m) => m[1]!))].sort();
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  restart?: string;
  healthcheck?: { test: string[] | string };
  profiles?: string[];
  environment?: Record<string, string>;
}

export function readCompose(): { text: string; doc: { services: Record<string, ComposeService>; configs?: Record<string, { content?: string }> } } {
  const text = readFileSync(join(REPO_ROOT, 'deploy', 'compose.yaml'), 'utf8');
  return { text, doc: parse(text, { merge: true }) };
}

export interface PublishWorkflow {
  functions: string[];
  components: string[];
  tagRules: string[];
}

/** The image workflow's matrices and tag rules. */
export function readPublishWorkflow(): PublishWorkflow {
  const wf = parse(readFileSync(join(REPO_ROOT, '.github', 'workflows', 'publish-images.yml'), 'utf8')) as {
    jobs: Record<string, { strategy?: { matrix?: Record<string, string[]> }; steps: { id?: string; with?: Record<string, string> }[] }>;
  };
  const tagRules = Object.values(wf.jobs).flatMap((job) => job.steps.filter((s) => s.id === 'meta').map((s) => s.with?.['tags'] ?? ''));
  return {
    functions: wf.jobs['functions']?.strategy?.matrix?.['function'] ?? [],
    components: wf.jobs['components']?.strategy?.matrix?.['component'] ?? [],
    tagRules,
  };
}

/** Where scripts/setup-deploy-tools.sh puts its tools. */
export function deployTools(): { actionlint: string; checkJsonschema: string; cache: string } {
  const cache = process.env['CASA_CACHE'] || join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'casa');
  return { cache, actionlint: join(cache, 'bin', 'actionlint'), checkJsonschema: join(cache, 'deploy-tools-venv', 'bin', 'check-jsonschema') };
}
