// A filesystem failure as the user sees it: one line naming the path, what kspray was doing and
// the errno in words, never a Node stack. Full disks, read-only mounts and permissions are the
// environment, not a kspray bug, so they are 'failure' (exit 1), documented in the README.
import { getSystemErrorMap } from 'node:util';
import { KsprayError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';

export type FsAction = 'read' | 'write' | 'create' | 'create directory' | 'rename' | 'remove' | 'list' | 'sync';

export function isErrno(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).errno === 'number';
}

/** "no space left on device (ENOSPC)"; the errno map is libuv's, so the words match strerror. */
export function errnoInWords(e: NodeJS.ErrnoException): string {
  const known = typeof e.errno === 'number' ? getSystemErrorMap().get(e.errno) : undefined;
  return known ? `${known[1]} (${known[0]})` : (e.code ?? e.message);
}

export function fsFailure(e: unknown, action: FsAction, path: string): KsprayError {
  if (e instanceof KsprayError) return e;
  if (!isErrno(e)) return new KsprayError('failure', [messages.fsFailed(action, path, String(e), undefined)]);
  return new KsprayError('failure', [messages.fsFailed(action, path, errnoInWords(e), e.code)]);
}

/** Runs one filesystem step; an errno becomes the one-line failure. */
export function attempt<T>(action: FsAction, path: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    throw fsFailure(e, action, path);
  }
}
