// Build step: writes oclif.manifest.json, so the CLI lists its commands and flags without
// globbing and importing every command module at start-up (what `oclif manifest` does).
import { rmSync, writeFileSync } from 'node:fs';
import { Config } from '@oclif/core';

const manifest = new URL('../oclif.manifest.json', import.meta.url);
// A manifest already there would be read back instead of the commands.
rmSync(manifest, { force: true });
const config = await Config.load({ root: new URL('..', import.meta.url).pathname });
const plugin = config.getPluginsList().find((p) => p.isRoot);
if (!plugin) throw new Error('no root plugin');
writeFileSync(manifest, `${JSON.stringify(plugin.manifest, null, 2)}\n`);
console.log(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands`);
