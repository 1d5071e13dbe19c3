// What src/start.ts loads once start-up is set up: oclif, which reads oclif.manifest.json and imports only
// the module of the command asked for (dist/commands/<id>.js). A module of its own because oclif is
// CommonJS: bundled, its named exports are reachable through a static import, not a dynamic one.
import { execute } from '@oclif/core';

export async function main(dir: string): Promise<void> {
  await execute({ dir });
}
