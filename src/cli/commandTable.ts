// Which module registers which top-level commands, so that main.ts imports only the one the arguments
// name. A module's import is the expensive part of start-up (zod, yaml, the PKI libraries, the AWS SDK);
// registering a command is not.
import type { Command } from 'commander';

export interface CommandModule {
  /** The top-level commands the module's `register` adds (test/cli-lazy.test.ts checks this). */
  names: readonly string[];
  load: () => Promise<{ register: (program: Command) => void }>;
}

// In the order `kspray --help` lists the commands.
export const COMMAND_MODULES: readonly CommandModule[] = [
  { names: ['init', 'validate', 'schema', 'versions'], load: () => import('./commands/spec.js') },
  { names: ['render'], load: () => import('./commands/render.js') },
  { names: ['import'], load: () => import('./commands/import.js') },
  { names: ['certs'], load: () => import('./commands/certs.js') },
  { names: ['upgrade'], load: () => import('./commands/upgrade.js') },
  { names: ['scale'], load: () => import('./commands/scale.js') },
  { names: ['remove-node'], load: () => import('./commands/remove-node.js') },
  { names: ['reset'], load: () => import('./commands/reset.js') },
  { names: ['pxe'], load: () => import('./commands/pxe.js') },
  { names: ['images'], load: () => import('./commands/images.js') },
  { names: ['aws'], load: () => import('./commands/aws.js') },
  { names: ['artifacts'], load: () => import('./commands/artifacts.js') },
  { names: ['diff'], load: () => import('./commands/diff.js') },
];

/**
 * The modules a command line needs: the one its command (or `help <command>`) names; none for a bare
 * `--version`; all of them otherwise (`--help`, no command, an unknown command: commander lists or
 * suggests every name).
 */
export function modulesFor(argv: readonly string[]): readonly CommandModule[] {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  const named = COMMAND_MODULES.find((m) => name !== undefined && m.names.includes(name));
  if (named) return [named];
  const versionOnly = name === undefined && argv.some((a) => a === '-V' || a === '--version') && !argv.some((a) => a === '-h' || a === '--help');
  return versionOnly ? [] : COMMAND_MODULES;
}
