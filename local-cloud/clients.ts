import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * SDK clients aimed at the local endpoint, for the bootstrap and the tests: the same wire APIs a
 * deployed script would use. Credentials are placeholders: any key that is not a function name is an
 * administrator to the local cloud (local-cloud/iam/).
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function localClients(endpoint: string, region: string) {
  const common = { endpoint, region, credentials: LOCAL_CREDENTIALS };
  return {
    s3: new S3Client({ ...common, forcePathStyle: true }),
    lambda: new LambdaClient(common),
    sfn: new SFNClient(common),
  };
}

export type LocalClients = ReturnType<typeof localClients>;
