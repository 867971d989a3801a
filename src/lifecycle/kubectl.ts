// The one way kspray's lifecycle commands talk to a cluster: `kubectl --kubeconfig F ...` as a child
// process (never a client library, so what runs is what --dry-run prints and what an operator would
// type). A Kubectl either runs the calls or, for --dry-run, records and prints them.
import { execFile } from 'node:child_process';

export interface KubectlResult {
  ok: boolean;
  stdout: string;
  /** The last lines of stderr (or the spawn error): what to show when a call fails. */
  detail: string;
}

export interface Kubectl {
  readonly kubeconfig: string;
  /** Runs `kubectl --kubeconfig F ...args`, with `stdin` piped in (manifests for apply -f -). */
  run(args: string[], stdin?: string): Promise<KubectlResult>;
}

/** The command line as text (what --dry-run prints and errors name). */
export function kubectlCommand(kubeconfig: string, args: string[]): string {
  return ['kubectl', '--kubeconfig', kubeconfig, ...args].join(' ');
}

export function realKubectl(kubeconfig: string): Kubectl {
  return {
    kubeconfig,
    run: (args, stdin) =>
      new Promise((resolve) => {
        const child = execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
          const detail = (String(stderr).trim() || (error ? error.message : '')).split('\n').slice(-3).join(' ');
          resolve({ ok: !error, stdout: String(stdout), detail });
        });
        // A kubectl that exits before reading its input (a refused flag) must not crash kspray with EPIPE.
        child.stdin?.on('error', () => {});
        child.stdin?.end(stdin ?? '');
      }),
  };
}

/**
 * Prints each call instead of running it; answers with `answer(args)` (default: success, no
 * output), so a dry run walks the same path a run on a fresh cluster would.
 */
export function printingKubectl(kubeconfig: string, print: (line: string) => void, answer?: (args: string[]) => string): Kubectl {
  return {
    kubeconfig,
    run: async (args, stdin) => {
      print(`${kubectlCommand(kubeconfig, args)}${stdin !== undefined ? " <<'EOF'\n" + stdin.replace(/\n$/, '') + '\nEOF' : ''}`);
      return { ok: true, stdout: answer?.(args) ?? '', detail: '' };
    },
  };
}

/** Runs a call up to `tries` times, `delayMs` apart; the last result. */
export async function withRetries(k: Kubectl, args: string[], tries: number, delayMs: number, onRetry?: (r: KubectlResult, next: number) => void): Promise<KubectlResult> {
  let r = await k.run(args);
  for (let t = 2; !r.ok && t <= tries; t++) {
    onRetry?.(r, t);
    await sleep(delayMs);
    r = await k.run(args);
  }
  return r;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
