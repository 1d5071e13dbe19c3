// Build step, after the manifest: renders the root help (`kubectl drill --help`, or no arguments) with
// oclif's own Help class into dist/root-help.json, so that src/root-help.ts prints it without loading
// oclif, whose load is most of what `--help` costs. The text depends on what oclif decides at run time:
// the width it wraps to (OCLIF_COLUMNS, else the terminal's, else 80), whether ansis colours the
// headers, and the user agent line (platform, architecture, Node version). The first two are rendered
// here for every width from `minWidth` to `maxWidth` (runs of equal text kept once) with and without
// colour; the user agent is a marker that the run time replaces. Colour is decided by ansis when it
// loads, so each variant renders in a process of its own (this script again, with FORCE_COLOR set).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { format } from 'node:util';
import type { RootHelpFile, WidthRun } from '../src/root-help.ts';

const root = new URL('../', import.meta.url).pathname;
// oclif wraps to no less than 40 columns; wider terminals than 300 fall back to oclif.
const minWidth = 40;
const maxWidth = 300;
const userAgentMarker = '@@user-agent@@';

/** The root help at every width, as printed by oclif in this process (colour as ansis decided here). */
async function render(): Promise<string[]> {
  const { Config, Help } = await import('@oclif/core');
  const config = await Config.load({ root });
  config.userAgent = userAgentMarker;
  const texts: string[] = [];
  for (let width = minWidth; width <= maxWidth; width++) {
    let text = '';
    // As oclif's ux.stdout, which Help.log calls: console.log of the formatted arguments.
    const help = new (class extends Help {
      override log(...args: string[]): void {
        text += `${format(...args)}\n`;
      }
    })(config, { maxWidth: width });
    // What oclif's main does for `--help`.
    await help.showHelp(['--help']);
    texts.push(text);
  }
  return texts;
}

function runs(texts: string[]): WidthRun[] {
  const result: WidthRun[] = [];
  texts.forEach((text, index) => {
    const width = minWidth + index;
    const last = result.at(-1);
    if (last?.[2] === text) last[1] = width;
    else result.push([width, width, text]);
  });
  return result;
}

if (process.argv[2] === '--render') {
  process.stdout.write(JSON.stringify(await render()));
} else {
  const variant = (forceColor: string): WidthRun[] => {
    const child = spawnSync(process.execPath, [new URL(import.meta.url).pathname, '--render'], {
      env: { ...process.env, FORCE_COLOR: forceColor },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (child.status !== 0) throw new Error(`rendering the root help failed (exit ${child.status})`);
    return runs(JSON.parse(child.stdout) as string[]);
  };
  const { name, version } = (await import('../package.json', { with: { type: 'json' } })).default;
  const file: RootHelpFile = {
    userAgentMarker,
    nameVersion: `${name}/${version}`,
    plain: variant('0'),
    color: variant('1'),
  };
  writeFileSync(`${root}dist/root-help.json`, JSON.stringify(file));
  console.log(
    `dist/root-help.json: widths ${minWidth}-${maxWidth}, ${file.plain.length} plain and ${file.color.length} coloured texts`,
  );
}
