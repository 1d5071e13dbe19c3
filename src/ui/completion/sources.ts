/**
 * Where completion candidates come from: runbook files on disk, the step ids and params of the
 * runbook named on the line, run ids in the journal dir, kubeconfig contexts, and actions and their
 * fields for `explain`. Each is a small reader of files, never of the cluster, so a TAB answers in
 * the time Node takes to start. YAML is loaded only by the sources that read YAML.
 *
 * Contexts are read from the kubeconfig by name and cluster only: a user's credentials are never
 * printed, nor is the rest of the file looked at.
 */
import { existsSync, openSync, readFileSync, readSync, closeSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { defaultJournalDir, listRuns } from '../../engine/journal-dir.ts';

export interface Candidate {
  value: string;
  description?: string;
}

/** What the line says, for sources that depend on other words of it. */
export interface LineContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The package's root: oclif.manifest.json and schema/ are there. */
  root: string;
  /** Values of the flags already on the line, by long name. */
  flags: Record<string, string[]>;
  /** The positional arguments already on the line. */
  args: string[];
}

const RUNBOOK_EXTENSIONS = ['.yaml', '.yml'];
/** Bounds for a TAB in a big tree: folders looked into, and how deep under the typed folder. */
const MAX_FOLDERS = 200;
const MAX_DEPTH = 2;
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'vendor']);

/**
 * Runbook files under the folder typed so far and its subfolders (two levels: `runbooks/x.yaml`
 * from the project's root), recognised by `kind: Runbook` near their top, so Kubernetes manifests
 * beside them are not offered.
 */
export function runbookFiles(prefix: string, line: LineContext): Candidate[] {
  const slash = prefix.lastIndexOf('/');
  const typedDir = slash < 0 ? '' : prefix.slice(0, slash + 1);
  const found: Candidate[] = [];
  const queue: { dir: string; depth: number }[] = [{ dir: typedDir, depth: 0 }];
  let folders = 0;
  while (queue.length > 0 && folders < MAX_FOLDERS) {
    const { dir, depth } = queue.shift() as { dir: string; depth: number };
    folders++;
    let entries;
    try {
      entries = readdirSync(join(line.cwd, dir || '.'), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${dir}${entry.name}`;
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) {
        if (depth < MAX_DEPTH && !SKIPPED_FOLDERS.has(entry.name)) queue.push({ dir: `${path}/`, depth: depth + 1 });
      } else if (
        path.startsWith(prefix) &&
        RUNBOOK_EXTENSIONS.some((ext) => entry.name.endsWith(ext)) &&
        isRunbook(join(line.cwd, path))
      ) {
        found.push({ value: path });
      }
    }
  }
  return found;
}

function isRunbook(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(4096);
      const length = readSync(fd, head, 0, head.length, 0);
      return /^kind:\s*Runbook\s*$/m.test(head.subarray(0, length).toString('utf8'));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** The runbook named on the line, parsed; undefined when there is none or it does not parse. */
async function runbookOnLine(line: LineContext): Promise<Record<string, unknown> | undefined> {
  const file = line.args[0];
  if (!file) return undefined;
  try {
    const { readYamlFile } = await import('./yaml-file.ts');
    return readYamlFile(resolve(line.cwd, file)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

interface RunbookShape {
  spec?: { steps?: { id?: unknown; name?: unknown }[]; params?: Record<string, { description?: unknown } | null> };
}

/** The ids of the steps of the runbook on the line, with their names, in runbook order. */
export async function stepIds(_prefix: string, line: LineContext): Promise<Candidate[]> {
  const runbook = (await runbookOnLine(line)) as RunbookShape | undefined;
  return (Array.isArray(runbook?.spec?.steps) ? runbook.spec.steps : []).flatMap((step) =>
    typeof step.id === 'string'
      ? [{ value: step.id, ...(typeof step.name === 'string' ? { description: step.name } : {}) }]
      : [],
  );
}

/** `name=` for each param of the runbook on the line. */
export async function paramAssignments(_prefix: string, line: LineContext): Promise<Candidate[]> {
  const runbook = (await runbookOnLine(line)) as RunbookShape | undefined;
  const params = runbook?.spec?.params;
  if (!params || typeof params !== 'object') return [];
  return Object.entries(params).map(([name, param]) => ({
    value: `${name}=`,
    ...(typeof param?.description === 'string' ? { description: param.description } : {}),
  }));
}

/** Run ids in the journal dir (--journal-dir on the line, else the default), newest first. */
export function runIds(_prefix: string, line: LineContext): Candidate[] {
  const journalDir = line.flags['journal-dir']?.at(-1) ?? defaultJournalDir(line.env);
  return listRuns(resolve(line.cwd, journalDir))
    .reverse()
    .map((value) => ({ value }));
}

interface KubeconfigShape {
  contexts?: { name?: unknown; context?: { cluster?: unknown; namespace?: unknown } }[];
}

/** Contexts of the kubeconfig kubectl would use (--kubeconfig, else $KUBECONFIG's files, else ~/.kube/config). */
export async function contexts(_prefix: string, line: LineContext): Promise<Candidate[]> {
  const given = line.flags.kubeconfig?.at(-1);
  const files = given
    ? [resolve(line.cwd, given)]
    : line.env.KUBECONFIG
      ? line.env.KUBECONFIG.split(delimiter).filter(Boolean)
      : [join(line.env.HOME ?? homedir(), '.kube', 'config')];
  const { readYamlFile } = await import('./yaml-file.ts');
  const seen = new Map<string, Candidate>();
  for (const file of files) {
    if (!existsSync(file) || !statSync(file).isFile()) continue;
    let config: KubeconfigShape;
    try {
      config = readYamlFile(file) as KubeconfigShape;
    } catch {
      continue;
    }
    for (const entry of Array.isArray(config.contexts) ? config.contexts : []) {
      // The first file that names a context wins, as kubectl merges them.
      if (typeof entry.name !== 'string' || seen.has(entry.name)) continue;
      const cluster = typeof entry.context?.cluster === 'string' ? `cluster ${entry.context.cluster}` : undefined;
      const namespace =
        typeof entry.context?.namespace === 'string' ? `namespace ${entry.context.namespace}` : undefined;
      const description = [cluster, namespace].filter(Boolean).join(', ');
      seen.set(entry.name, { value: entry.name, ...(description ? { description } : {}) });
    }
  }
  return [...seen.values()];
}

interface SchemaShape {
  $defs?: Record<string, FieldsShape & { description?: string }>;
}
interface FieldsShape {
  properties?: Record<string, FieldsShape & { description?: string; anyOf?: FieldsShape[] }>;
  anyOf?: FieldsShape[];
}

/**
 * `explain` targets, from the published runbook schema (whose `$defs` are the actions' inputs):
 * action names, then `action.field` and deeper once an action is typed.
 */
export function explainTargets(prefix: string, line: LineContext): Candidate[] {
  let schema: SchemaShape;
  try {
    schema = JSON.parse(readFileSync(join(line.root, 'schema', 'runbook.schema.json'), 'utf8')) as SchemaShape;
  } catch {
    return [];
  }
  const defs = schema.$defs ?? {};
  const action = Object.keys(defs)
    .sort((a, b) => b.length - a.length)
    .find((name) => prefix.startsWith(`${name}.`));
  if (!action) return Object.entries(defs).map(([value, def]) => ({ value, description: def.description ?? '' }));
  const path = prefix.slice(action.length + 1).split('.');
  let node: FieldsShape | undefined = defs[action];
  for (const segment of path.slice(0, -1)) node = fieldsOf(node)?.[segment];
  const parent = `${[action, ...path.slice(0, -1)].join('.')}.`;
  return Object.entries(fieldsOf(node) ?? {}).map(([name, field]) => ({
    value: `${parent}${name}`,
    ...(field.description ? { description: field.description } : {}),
  }));
}

/** The fields of a schema node, looking through the template alternatives that runbooks admit. */
function fieldsOf(node: FieldsShape | undefined): FieldsShape['properties'] {
  if (!node) return undefined;
  return node.properties ?? node.anyOf?.find((branch) => branch.properties)?.properties;
}
