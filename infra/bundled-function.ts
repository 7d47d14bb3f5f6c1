import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FUNCTIONS, type FunctionKey } from '../system/manifest.js';
import { acknowledge } from './nag.js';

/**
 * One function of functions/catalog.ts, deployed from the directory scripts/bundle.ts built for
 * arm64 — the same bundle the local cloud runs, only for Lambda's architecture. Each function gets
 * its own role holding nothing but its own log group; callers add what the function needs.
 */

/** Graviton: ~20 % cheaper per GB-second than x86 at the same memory (the benchmarks ran on x64). */
export const ARCHITECTURE = lambda.Architecture.ARM_64;
export const RUNTIME = lambda.Runtime.NODEJS_22_X;

export interface BundledFunctionProps {
  key: FunctionKey;
  /** dist/…/<function name>/ with index.mjs (and node_modules/onnxruntime-node for ONNX functions). */
  bundleDir: string;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  /** Reserved concurrency (also the function's ceiling); absent or 0: none. */
  reservedConcurrency?: number;
}

export class BundledFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BundledFunctionProps) {
    super(scope, id);
    const spec = FUNCTIONS[props.key];
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${spec.name}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Own role instead of the default one: the default attaches AWSLambdaBasicExecutionRole, which
    // may write to every log group of the account (cdk-nag IAM4/IAM5).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${spec.name}: own logs plus what the function needs, nothing else`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'OwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new lambda.Function(this, 'Function', {
      functionName: spec.name,
      description: `${spec.entry} (bundled by scripts/bundle.ts for linux/arm64)`,
      runtime: RUNTIME,
      architecture: ARCHITECTURE,
      handler: 'index.handler',
      // The inputs record holds absolute paths of the build machine; leaving it out keeps the asset
      // hash (and with it the deployed code) identical across clones.
      code: lambda.Code.fromAsset(props.bundleDir, { exclude: ['.inputs.json'] }),
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      ...(props.reservedConcurrency ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
    });
    acknowledge(
      this.function,
      'AwsSolutions-L1',
      'Node.js 22 is the runtime the project pins (the node@22 devDependency in package.json) and that every test runs; moving to a newer runtime is a deliberate upgrade, not a deploy-time default.',
    );
  }
}
