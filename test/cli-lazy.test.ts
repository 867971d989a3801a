// Start-up is lazy (issue 18): a command line imports only the module of the command it names, so
// `kspray --version` loads no command and `validate` none of the render, PKI or AWS libraries.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Command } from 'commander';
import { COMMAND_MODULES, modulesFor } from '../src/cli/commandTable.js';
import { exampleFile, repoRoot } from './helpers/fixtures.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');
const hook = join(repoRoot, 'test', 'helpers', 'loadedModules.mjs');

/** The modules (paths under the repo, or package names) a whole process of the CLI loaded. */
function loaded(args: string[]): { code: number | null; modules: string[] } {
  const r = spawnSync(process.execPath, ['--import', hook, cli, ...args], { cwd: repoRoot, encoding: 'utf8' });
  const modules = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('LOADED file://'))
    .map((l) => l.slice('LOADED file://'.length).replace(join(repoRoot, "/"), '').replace(/^node_modules\/((@[^/]+\/)?[^/]+).*/, '$1'));
  return { code: r.status, modules: [...new Set(modules)] };
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

  it('kspray --version loads commander and nothing of kspray but its entry point', () => {
    const r = loaded(['--version']);
    expect(r.code).toBe(0);
    expect(r.modules.sort()).toEqual(['commander', 'dist/cli/commandTable.js', 'dist/cli/main.js']);
  });

  it('validate loads the spec libraries but no render, PKI or AWS module', () => {
    const r = loaded(['validate', '-f', exampleFile('ha')]);
    expect(r.code).toBe(0);
    expect(r.modules).toContain('zod');
    expect(r.modules).toContain('dist/compileSpec.js');
    const heavy = r.modules.filter((m) => /^(@peculiar|@aws-sdk|@noble|asn1js|dist\/render\.js|dist\/secrets|dist\/emit|dist\/plan)/.test(m));
    expect(heavy).toEqual([]);
  });

  it('--help still lists every command', () => {
    const r = spawnSync(process.execPath, [cli, '--help'], { cwd: repoRoot, encoding: 'utf8' });
    for (const name of COMMAND_MODULES.flatMap((m) => m.names)) expect(r.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });
});
