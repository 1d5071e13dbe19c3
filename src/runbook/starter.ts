/**
 * `kubectl drill init`: a starter runbook from a template, written where asked and never over an
 * existing file unless forced. Its first line points editors at the runbook schema
 * (`# yaml-language-server: $schema=...`): by default the schema this plugin carries, as a path
 * relative to the new file (what the runbooks in this repository do), or what `--schema` gives
 * (a URL a team publishes it at, once the file is committed elsewhere).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, relative, resolve } from 'node:path';
import { DNS_LABEL_PATTERN } from './dns-label.ts';
import { findTemplate, templateNames } from './templates/registry.ts';

export interface StarterOptions {
  /** A runbook name (written to NAME.yaml) or a file path ending in .yaml or .yml. */
  name?: string;
  template: string;
  force: boolean;
  /** Where editors find the schema; default the plugin's own, relative to the new file. */
  schema?: string;
  cwd: string;
  /** The schema file the plugin carries. */
  schemaFile: string;
}

export class StarterRefused extends Error {}

export function writeStarter(options: StarterOptions): { file: string; name: string; template: string } {
  const template = findTemplate(options.template);
  if (!template) throw new StarterRefused(`no template "${options.template}" (templates: ${templateNames.join(', ')})`);
  const given = options.name ?? template.name;
  const isPath = given.includes('/') || ['.yaml', '.yml'].includes(extname(given));
  const file = resolve(options.cwd, isPath ? given : `${given}.yaml`);
  const name = basename(file, extname(file));
  if (!new RegExp(DNS_LABEL_PATTERN).test(name) || name.length > 63) {
    throw new StarterRefused(
      `"${name}" cannot name a runbook: use lower-case letters, digits and "-", starting and ending with a letter or digit`,
    );
  }
  const schema = options.schema ?? relativeRef(dirname(file), options.schemaFile);
  const text = `# yaml-language-server: $schema=${schema}\n#\n${template.text(name)}`;
  mkdirSync(dirname(file), { recursive: true });
  try {
    writeFileSync(file, text, { flag: options.force ? 'w' : 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new StarterRefused(`${relative(options.cwd, file) || file} exists: --force overwrites it`);
    }
    throw error;
  }
  return { file, name, template: template.name };
}

function relativeRef(from: string, to: string): string {
  const path = relative(from, to);
  return path.startsWith('.') ? path : `./${path}`;
}
