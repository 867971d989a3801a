// The one module that loads the AWS SDK clients (EC2; IAM and Secrets Manager for
// spec.secrets.delivery aws-secrets-manager), and only when an AWS command runs: importing the EC2
// SDK costs ~285 ms (IAM ~100 ms, Secrets Manager ~60 ms), which every other command must not pay
// (DESIGN.md §7). Everything else in src/aws talks to the small interfaces below, so the logic is
// testable without the SDK and `--dry-run` can record the calls instead of making them.
import { KsprayError } from '../errors/errors.js';
import { defaultEnv, readEnv } from '../env.js';
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

/**
 * One AWS API. `expected` lists error codes that are an answer, not a failure (e.g. NoSuchEntity
 * for a Get before a Create): they come back as `{ $error: code, $message }` instead of throwing.
 */
export interface AwsApi<A extends string> {
  send(action: A, params: Ec2Params, expected?: readonly string[]): Promise<Ec2Answer>;
}
export type Ec2 = AwsApi<Ec2Action>;

export const IAM_ACTIONS = ['GetRole', 'CreateRole', 'PutRolePolicy', 'GetInstanceProfile', 'CreateInstanceProfile', 'AddRoleToInstanceProfile'] as const;
export type IamAction = (typeof IAM_ACTIONS)[number];
export type Iam = AwsApi<IamAction>;

export const SECRETS_MANAGER_ACTIONS = ['CreateSecret', 'PutSecretValue'] as const;
export type SecretsManagerAction = (typeof SECRETS_MANAGER_ACTIONS)[number];
export type SecretsManager = AwsApi<SecretsManagerAction>;

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
  defaultEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
  const sdk = await import('@aws-sdk/client-ec2');
  const endpoint = opts.endpoint ?? (readEnv('AWS_ENDPOINT_URL_EC2') || undefined);
  const client = new sdk.EC2Client({ region: opts.region, endpoint, maxAttempts: 2 });
  return api('EC2', client, {
    DescribeImages: sdk.DescribeImagesCommand,
    DescribeInstances: sdk.DescribeInstancesCommand,
    DescribeLaunchTemplates: sdk.DescribeLaunchTemplatesCommand,
    CreateLaunchTemplate: sdk.CreateLaunchTemplateCommand,
    CreateLaunchTemplateVersion: sdk.CreateLaunchTemplateVersionCommand,
    RunInstances: sdk.RunInstancesCommand,
  });
}

export interface IdentityClients {
  iam: Iam;
  secretsManager: SecretsManager;
  /** The region the SDK resolved (the one the nodes' secrets live in). */
  region: string;
}

/**
 * IAM and Secrets Manager clients on the same credential chain, for per-role instance profiles and
 * the nodes' secrets. Endpoints: AWS_ENDPOINT_URL_IAM and AWS_ENDPOINT_URL_SECRETS_MANAGER (tests: a
 * loopback server), else AWS's.
 */
export async function connectIdentity(opts: Ec2Options): Promise<IdentityClients> {
  defaultEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
  const [iamSdk, smSdk] = await Promise.all([import('@aws-sdk/client-iam'), import('@aws-sdk/client-secrets-manager')]);
  const iamClient = new iamSdk.IAMClient({ region: opts.region, endpoint: readEnv('AWS_ENDPOINT_URL_IAM') || undefined, maxAttempts: 2 });
  const smClient = new smSdk.SecretsManagerClient({ region: opts.region, endpoint: readEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER') || undefined, maxAttempts: 2 });
  // The secrets' ARNs in the roles' policies name it: no region, no policy (EC2 alone would fail later, per call).
  const region = await smClient.config.region().catch((e: Error) => {
    throw new KsprayError('input', [messages.awsNoRegion(e.message)]);
  });
  return {
    region,
    iam: api('IAM', iamClient, {
      GetRole: iamSdk.GetRoleCommand,
      CreateRole: iamSdk.CreateRoleCommand,
      PutRolePolicy: iamSdk.PutRolePolicyCommand,
      GetInstanceProfile: iamSdk.GetInstanceProfileCommand,
      CreateInstanceProfile: iamSdk.CreateInstanceProfileCommand,
      AddRoleToInstanceProfile: iamSdk.AddRoleToInstanceProfileCommand,
    }),
    secretsManager: api('Secrets Manager', smClient, { CreateSecret: smSdk.CreateSecretCommand, PutSecretValue: smSdk.PutSecretValueCommand }),
  };
}

/** An AwsApi over one SDK client: SDK errors become KsprayErrors naming the service and call. */
function api<A extends string>(service: string, client: { send(command: never): Promise<unknown> }, commands: Record<A, unknown>): AwsApi<A> {
  return {
    async send(action, params, expected = []) {
      const Cmd = commands[action] as new (input: Ec2Params) => never;
      try {
        return (await client.send(new Cmd(params))) as Ec2Answer;
      } catch (e) {
        const err = e as Error & { code?: string; $metadata?: unknown };
        const code = err.name ?? err.code ?? 'Error';
        if (expected.includes(code)) return { $error: code, $message: err.message ?? '' };
        throw new KsprayError('failure', [messages.awsCallFailed(action, code, err.message ?? String(e), service)]);
      }
    },
  };
}
