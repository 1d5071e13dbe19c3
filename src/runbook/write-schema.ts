/**
 * Regenerates schema/runbook.schema.json. `npm run schema` runs this and then the formatter, so the
 * file's layout is Biome's; its content is compared with the generated document by a unit test.
 */
import { writeFileSync } from 'node:fs';
import { runbookJsonSchema } from './json-schema.ts';

const target = new URL('../../schema/runbook.schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(runbookJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
