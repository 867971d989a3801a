// Thin commands: parse flags, call the library, print, pick the exit code (cli/report.ts).
// Start-up is lazy: only commander loads before the arguments are read; a command's module (and with
// it zod, the spec schema, yaml, the PKI libraries, the AWS SDK) is imported only when that command
// runs. Eagerly, `kspray --version` cost 3.9× `node -e 0` (72 CommonJS files before anything ran).
// The bin (cli/main.ts) runs this module from the build's bundle (scripts/bundle.mjs) with a V8 code
// cache, or directly when there is no current bundle.
import { Command, CommanderError } from 'commander';
import { COMMAND_MODULES, modulesFor } from './commandTable.js';

const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);

const EXIT_OK = 0;
const EXIT_INPUT = 2;

/** The program with the commands of `modules` registered (all of them unless told). */
export async function buildProgram(modules = COMMAND_MODULES): Promise<Command> {
  const program = new Command('kspray')
    .description('Compile a cluster spec into per-node cloud-init payloads, PKI and kubeadm configs (no SSH).')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err });
  // Loaded in parallel, registered in the table's order (the order `--help` lists them).
  const loaded = await Promise.all(modules.map((m) => m.load()));
  for (const m of loaded) m.register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(modulesFor(argv))).parseAsync(argv, { from: 'user' });
    // A command that succeeded with something to report (diff --exit-code, render --check) set it.
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its message (unknown option, missing argument, --help...).
      return e.exitCode === 0 ? EXIT_OK : EXIT_INPUT;
    }
    const { reportError } = await import('./report.js');
    return reportError(e, err);
  }
}

/** The whole command line of the process: runs `argv` and sets the process's exit code. */
export async function run(argv: string[]): Promise<void> {
  // A payload printed to a full device or a closed pipe fails asynchronously on stdout: one line, exit 1
  // (a reader that closed the pipe early, like `head`, is not an error).
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') return;
    // Synchronously decided exit code is not possible once the import is awaited: set it when known.
    void Promise.all([import('./report.js'), import('../io/fsError.js')]).then(([{ reportError }, { fsFailure }]) => {
      process.exitCode = reportError(fsFailure(e, 'write', 'standard output'), err);
    });
  });
  process.exitCode = await main(argv);
}
