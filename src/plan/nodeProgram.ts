// The node program as it ships in payloads and images: node/kspray-node.sh without its comment
// and blank lines. The repo file is the documented source; its comments cost ~1.3 KB gzipped in
// every payload, which is what lets the first control plane fit EC2's 16 KiB user data.
// test/node/shellcheck.test.ts runs shellcheck and bash -n on this shipped form too.
import { readFileSync } from 'node:fs';

// src/plan and dist/plan are both two levels below the package root, where node/ lives
// (package.json "files" ships it), so one relative URL works from source and build.
export const NODE_PROGRAM_SOURCE = new URL('../../node/kspray-node.sh', import.meta.url);

/**
 * Drops full-line comments (shellcheck directives stay) and blank lines, keeping the shebang. Safe
 * for this program because it has no heredocs (test/node/shellcheck.test.ts checks that, and runs
 * shellcheck and bash -n on the result).
 */
export function shipNodeProgram(source: string, opts: { fetch?: boolean; awsSecretsManager?: boolean } = {}): string {
  const [shebang, ...rest] = source.split('\n');
  let shipped = withoutBlocks(rest, 'not shipped');
  if (!opts.fetch) shipped = withoutBlocks(shipped, 'shipped with delivery fetch');
  if (!opts.awsSecretsManager) shipped = withoutBlocks(shipped, 'shipped with delivery aws-secrets-manager');
  if (!opts.fetch && !opts.awsSecretsManager) shipped = withoutBlocks(shipped, 'shipped with a secrets archive');
  const body = shipped.filter((line) => !/^\s*(#(?!\s*shellcheck\s).*)?$/.test(line));
  return `${shebang}\n# kspray node program; commented source: node/kspray-node.sh in kspray\n${body.join('\n')}\n`;
}

/**
 * Drops the lines from each `# >>> MARKER` to its `# <<< MARKER`: `not shipped` (the upgrade mode:
 * the upgrade Job delivers the full program, see fullNodeProgram), `shipped with delivery fetch` and
 * `shipped with delivery aws-secrets-manager` (each delivery's secrets phase) and `shipped with a
 * secrets archive` (what both share), so payloads do not grow for what they never run.
 */
function withoutBlocks(lines: string[], marker: string): string[] {
  let skipping = false;
  return lines.filter((line) => {
    if (line.trimStart().startsWith(`# >>> ${marker}`)) skipping = true;
    const keep = !skipping;
    if (line.trimStart().startsWith(`# <<< ${marker}`)) skipping = false;
    return keep;
  });
}

/** The whole program without comments, upgrade mode included: what `kspray upgrade --apply` ships in its ConfigMap. */
export function fullNodeProgram(): string {
  const [shebang, ...rest] = readFileSync(NODE_PROGRAM_SOURCE, 'utf8').split('\n');
  const body = rest.filter((line) => !/^\s*(#(?!\s*shellcheck\s).*)?$/.test(line));
  return `${shebang}\n# kspray node program (with its upgrade mode); commented source: node/kspray-node.sh in kspray\n${body.join('\n')}\n`;
}

export const NODE_PROGRAM = shipNodeProgram(readFileSync(NODE_PROGRAM_SOURCE, 'utf8'));
/**
 * With spec.secrets.delivery fetch, cloud-init nodes get the program with its `secrets` phase; every
 * other payload leaves those lines out, so inline payloads do not grow for a phase they never run
 * (the HA first control plane is within ~0.5 KB of EC2's 16 KiB).
 */
export const NODE_PROGRAM_FETCH = shipNodeProgram(readFileSync(NODE_PROGRAM_SOURCE, 'utf8'), { fetch: true });
/** With spec.secrets.delivery aws-secrets-manager: the secrets phase reads the node's secret with its instance role, and deletes it after the bootstrap. */
export const NODE_PROGRAM_AWS_SECRETS = shipNodeProgram(readFileSync(NODE_PROGRAM_SOURCE, 'utf8'), { awsSecretsManager: true });
