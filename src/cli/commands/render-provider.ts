// `render --provider P`: the glue between the render command and emit/providers. Kept out of
// main.ts so the render command stays a few lines.
import { KsprayError } from '../../errors/errors.js';
import { messages } from '../../errors/messages.js';
import type { Rendered } from '../../render.js';
import { payloadGzip } from '../../emit/cloudInit.js';
import { PROVIDERS, isProvider, packageAll, packagedOutputFiles, type Packaged, type Provider } from '../../emit/providers/index.js';

export { PROVIDERS, packagedOutputFiles };

/** The flag wins over spec.provider.name; an unknown name is bad input (exit 2). */
export function resolveProvider(flag: string | undefined, specProvider: string): Provider {
  const name = flag ?? specProvider;
  if (!isProvider(name)) throw new KsprayError('input', [messages.unknownProvider(name, PROVIDERS)]);
  return name;
}

/** Packages every payload for the provider; throws (exit 2) when one does not fit even gzipped. */
export function packageRendered(r: Rendered, flag: string | undefined, only?: string): Packaged[] {
  const provider = resolveProvider(flag, r.model.provider);
  // With --node, only that node's payload is delivered, so only it must fit.
  const nodes = only === undefined ? r.model.nodes : r.model.nodes.filter((n) => n.name === only);
  return packageAll(provider, nodes, r.payloads, r.model.name, { sshAuthorizedKeys: r.model.sshAuthorizedKeys }, (node) => payloadGzip(r, node));
}

/** `render --node N --provider P`: what that cloud receives for N, on stdout. */
export function printPackaged(r: Rendered, packaged: Packaged[], node: string, stdout: NodeJS.WritableStream): void {
  const p = packaged.find((x) => x.node === node)!;
  const file = p.files.find((f) => f.name === p.stdout);
  stdout.write(file ? file.content : r.payloads.get(node)!); // baremetal: the payload itself
}
