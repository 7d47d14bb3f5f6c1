import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * The one place AWS SDK clients are made. Endpoints come from the SDK's own configuration
 * (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, …), which is how the local cloud redirects every
 * function and script without code changes. Clients are created lazily, once per process, and
 * can be replaced in tests with `setClients`.
 */
export interface AwsClients {
  s3: S3Client;
  lambda: LambdaClient;
  sfn: SFNClient;
  cloudwatch: CloudWatchClient;
  secretsManager: SecretsManagerClient;
}

let clients: Partial<AwsClients> = {};

/** A custom endpoint is usually an IP or localhost, where virtual-hosted bucket names do not resolve. */
function usesCustomS3Endpoint(): boolean {
  return Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
}

export function s3(): S3Client {
  clients.s3 ??= new S3Client({ forcePathStyle: usesCustomS3Endpoint() });
  return clients.s3;
}

export function lambda(): LambdaClient {
  clients.lambda ??= new LambdaClient({});
  return clients.lambda;
}

export function sfn(): SFNClient {
  clients.sfn ??= new SFNClient({});
  return clients.sfn;
}

export function cloudwatch(): CloudWatchClient {
  clients.cloudwatch ??= new CloudWatchClient({});
  return clients.cloudwatch;
}

export function secretsManager(): SecretsManagerClient {
  clients.secretsManager ??= new SecretsManagerClient({});
  return clients.secretsManager;
}

/** For tests and for the local cloud's in-process tools: inject clients (or reset with `{}`). */
export function setClients(next: Partial<AwsClients>): void {
  clients = { ...next };
}
