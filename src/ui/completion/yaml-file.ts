// A runbook or kubeconfig read as YAML for a completion. A module of its own, loaded only when a
// completion needs one: yaml is CommonJS in the bundle, so its named exports are reachable through a
// static import, not a dynamic one.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export function readYamlFile(path: string): unknown {
  return parse(readFileSync(path, 'utf8'));
}
