// Where an action's manifests come from: inline YAML or a file beside the runbook. Shared by the
// actions that create objects from manifests (k8s.apply, restore.job), so both read them alike.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Type from 'typebox';

export const manifestInputs = {
  manifest: Type.Optional(Type.String({ minLength: 1, description: 'YAML manifests inline; use this or `file`.' })),
  file: Type.Optional(
    Type.String({
      minLength: 1,
      description: "Path to a manifest file, relative to the runbook's folder.",
    }),
  ),
};

export interface ManifestSource {
  manifest?: string;
  file?: string;
}

/** `file` is relative to the runbook's folder, so a runbook and its manifests move together. */
function manifestPath(input: ManifestSource, runbookDir: string): string {
  return resolve(runbookDir, input.file ?? '');
}

export async function manifestText(input: ManifestSource, runbookDir: string): Promise<string> {
  if (input.manifest !== undefined) return input.manifest;
  // Loaded here rather than with the module, which `validate` loads for the input schema alone.
  const { readFile } = await import('node:fs/promises');
  return readFile(manifestPath(input, runbookDir), 'utf8');
}

/** For permissions, which are computed synchronously before the run. */
export function manifestTextNow(input: ManifestSource, runbookDir: string): string {
  return input.manifest ?? readFileSync(manifestPath(input, runbookDir), 'utf8');
}
