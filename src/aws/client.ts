// The one module that loads @aws-sdk/client-ec2, and only when an AWS command runs: importing the
// SDK costs ~285 ms, which every other command must not pay (DESIGN.md §7). Everything else in
// src/aws talks to the small `Ec2` interface below, so the logic is testable without the SDK and
// `--dry-run` can record the calls instead of making them.
import { KsprayError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';

/** EC2 parameters and answers as the SDK shapes them (PascalCase members). */
export type Ec2Params = Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Ec2Answer = Record<string, any>;

export const EC2_ACTIONS = [
  'DescribeImages',
  'DescribeInstances',
  'DescribeLaunchTemplates',
  'CreateLaunchTemplate',
  'CreateLaunchTemplateVersion',
  'RunInstances',
] as const;
export type Ec2Action = (typeof EC2_ACTIONS)[number];

export interface Ec2 {
  send(action: Ec2Action, params: Ec2Params): Promise<Ec2Answer>;
}

export interface Ec2Options {
  region?: string;
  /** A non-AWS endpoint (tests: a loopback EC2 Query API server); default AWS_ENDPOINT_URL_EC2. */
  endpoint?: string;
}

/**
 * An EC2 client on the SDK's default credential chain (environment, profiles, SSO, instance
 * metadata unless AWS_EC2_METADATA_DISABLED=true). SDK errors become KsprayErrors naming the call.
 */
export async function connectEc2(opts: Ec2Options): Promise<Ec2> {
  // The SDK warns on every run that releases after January 2027 need Node 22; this pinned one runs on
  // Node 20 (DESIGN.md §7). Set the variable to "false" to see the warning.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sdk = await import('@aws-sdk/client-ec2');
  const endpoint = opts.endpoint ?? (process.env.AWS_ENDPOINT_URL_EC2 || undefined);
  const client = new sdk.EC2Client({ region: opts.region, endpoint, maxAttempts: 2 });
  const commands = {
    DescribeImages: sdk.DescribeImagesCommand,
    DescribeInstances: sdk.DescribeInstancesCommand,
    DescribeLaunchTemplates: sdk.DescribeLaunchTemplatesCommand,
    CreateLaunchTemplate: sdk.CreateLaunchTemplateCommand,
    CreateLaunchTemplateVersion: sdk.CreateLaunchTemplateVersionCommand,
    RunInstances: sdk.RunInstancesCommand,
  };
  return {
    async send(action, params) {
      const Cmd = commands[action] as unknown as new (input: Ec2Params) => Parameters<typeof client.send>[0];
      try {
        return (await client.send(new Cmd(params))) as Ec2Answer;
      } catch (e) {
        const err = e as Error & { code?: string; $metadata?: unknown };
        throw new KsprayError('failure', [messages.awsCallFailed(action, err.name ?? err.code ?? 'Error', err.message ?? String(e))]);
      }
    },
  };
}
