// Start-up is lazy (issue 18): a command line imports only the module of the command it names, so
// `kspray --version` loads no command and `validate` none of the render, PKI or AWS libraries.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { COMMAND_MODULES, modulesFor } from '../src/cli/commandTable.js';
import { exampleFile, repoRoot } from './helpers/fixtures.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');
const hook = join(repoRoot, 'test', 'helpers', 'loadedModules.mjs');
const bundleDir = join(repoRoot, 'dist', 'bundle');

/** A loaded file as a test names it: its package for a dependency, else its path under the repo. */
const moduleName = (path: string) => path.replace(/^node_modules\/((@[^/]+\/)?[^/]+).*/, '$1');

/**
 * What a whole process of the CLI loaded: the bundle's chunks (files under dist/bundle/) and every
 * module, a chunk standing for the source modules the build put in it (dist/bundle/modules.json).
 */
function loaded(args: string[]): { code: number | null; chunks: string[]; modules: string[] } {
  const r = spawnSync(process.execPath, ['--import', hook, cli, ...args], { cwd: repoRoot, encoding: 'utf8' });
  const inChunk = JSON.parse(readFileSync(join(bundleDir, 'modules.json'), 'utf8')) as Record<string, string[]>;
  const files = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('LOADED file://'))
    .map((l) => fileURLToPath(l.slice('LOADED '.length)));
  const chunks = files.filter((f) => f.startsWith(`${bundleDir}/`)).map((f) => f.slice(bundleDir.length + 1));
  const modules = files
    .filter((f) => !f.startsWith(`${bundleDir}/`))
    .map((f) => relative(repoRoot, f))
    .concat(chunks.flatMap((c) => inChunk[c] ?? [`unknown chunk ${c}`]));
  return { code: r.status, chunks: [...new Set(chunks)], modules: [...new Set(modules.map(moduleName))] };
}

describe('lazy start-up', () => {
  it('each table entry names exactly the commands its module registers', async () => {
    for (const m of COMMAND_MODULES) {
      const program = new Command('kspray');
      (await m.load()).register(program);
      expect(program.commands.map((c) => c.name()).sort(), m.names.join(',')).toEqual([...m.names].sort());
    }
  });

  it('picks the named command (also after help), none for --version, all for --help or an unknown command', () => {
    expect(modulesFor(['render', '-f', 'x.yaml']).flatMap((m) => m.names)).toEqual(['render']);
    expect(modulesFor(['help', 'certs']).flatMap((m) => m.names)).toEqual(['certs']);
    expect(modulesFor(['--version'])).toEqual([]);
    expect(modulesFor(['--help'])).toHaveLength(COMMAND_MODULES.length);
    expect(modulesFor(['rendr'])).toHaveLength(COMMAND_MODULES.length);
  });

  it('kspray --version loads commander and nothing of kspray but its entry point, from the bundle', () => {
    const r = loaded(['--version']);
    expect(r.code).toBe(0);
    expect(r.chunks).toContain('kspray.cjs');
    expect(r.modules.filter((m) => m !== 'rolldown/runtime.js').sort()).toEqual(
      ['commander', 'dist/cli/codeCache.js', 'dist/cli/commandTable.js', 'dist/cli/main.js', 'dist/cli/program.js'].sort(),
    );
  });

  it('validate loads the spec libraries but no render, PKI or AWS module', () => {
    const r = loaded(['validate', '-f', exampleFile('ha')]);
    expect(r.code).toBe(0);
    expect(r.modules).toContain('zod');
    expect(r.modules).toContain('dist/compileSpec.js');
    expect(r.modules.filter((m) => m.startsWith('unknown chunk'))).toEqual([]);
    const heavy = r.modules.filter((m) => /^(@peculiar|@aws-sdk|@noble|asn1js|pvtsutils|tslib|reflect-metadata|dist\/render\.js|dist\/secrets|dist\/emit|dist\/plan|dist\/aws|dist\/lifecycle)/.test(m));
    expect(heavy).toEqual([]);
  });

  it('--help still lists every command', () => {
    const r = spawnSync(process.execPath, [cli, '--help'], { cwd: repoRoot, encoding: 'utf8' });
    for (const name of COMMAND_MODULES.flatMap((m) => m.names)) expect(r.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });
});
