// The one place that turns errors into what the user sees and into exit codes:
// 2 = bad input (spec, flags, bundle), 1 = kspray or the system failed. No stack trace for a user mistake.
import { KsprayError, formatSpecPath, type Problem } from '../errors/errors.js';
import { fsFailure, isErrno, type FsAction } from '../io/fsError.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_INPUT = 2;

export function formatProblem(p: Problem, err: KsprayError): string {
  const lines: string[] = [];
  const file = p.file ?? err.file;
  let where = file ?? '';
  let snippet: string[] = [];
  const pos = p.position ?? (p.path && err.locator ? err.locator.locate(p.path, p.atKey) : undefined);
  if (pos) {
    where = `${file ?? '<spec>'}:${pos.line}:${pos.col}`;
    const sourceLine = p.file ? undefined : err.locator?.lineText(pos.line);
    if (sourceLine !== undefined) {
      const num = String(pos.line);
      snippet = [`  ${num} | ${sourceLine}`, `  ${' '.repeat(num.length)} | ${' '.repeat(Math.max(0, pos.col - 1))}^`];
    }
  }
  const pathNote = p.path && p.path.length ? ` (${formatSpecPath(p.path)})` : '';
  lines.push(`${where ? `${where}: ` : ''}error[${p.rule}]: ${p.message}${pathNote}`);
  lines.push(...snippet);
  if (p.hint) lines.push(`  hint: ${p.hint}`);
  return lines.join('\n');
}

export function formatError(err: KsprayError): string {
  const body = err.problems.map((p) => formatProblem(p, err)).join('\n\n');
  const n = err.problems.length;
  return n > 1 ? `${body}\n\n${n} problems found.` : body;
}

const SYSCALL_ACTIONS: Record<string, FsAction> = {
  open: 'create',
  read: 'read',
  write: 'write',
  mkdir: 'create directory',
  rename: 'rename',
  link: 'create',
  unlink: 'remove',
  rmdir: 'remove',
  scandir: 'list',
  fsync: 'sync',
};

/** Prints an error to stderr and returns the exit code for it. */
export function reportError(e: unknown, stderr: (s: string) => void): number {
  if (e instanceof KsprayError) {
    stderr(`${formatError(e)}\n`);
    return e.kind === 'input' ? EXIT_INPUT : EXIT_FAILURE;
  }
  // A filesystem error that escaped io/'s wrappers (a library writing on its own) is still the
  // environment, not a bug: one line, no stack.
  if (isErrno(e) && typeof e.path === 'string') return reportError(fsFailure(e, SYSCALL_ACTIONS[e.syscall ?? ''] ?? 'write', e.path), stderr);
  // A bug: keep the stack, it is what a bug report needs.
  stderr(`kspray: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return EXIT_FAILURE;
}
