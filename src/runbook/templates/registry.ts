/** Every starter runbook `kubectl drill init --template` can write, by name. */
import evacuateRegion from './evacuate-region.ts';
import restoreData from './restore-data.ts';
import rollbackRelease from './rollback-release.ts';
import type { RunbookTemplate } from './template.ts';
import zoneOutage from './zone-outage.ts';

export const templates: readonly RunbookTemplate[] = [evacuateRegion, rollbackRelease, restoreData, zoneOutage];

export const templateNames: readonly string[] = templates.map((t) => t.name);

export function findTemplate(name: string): RunbookTemplate | undefined {
  return templates.find((t) => t.name === name);
}
