import { setClients } from '../../functions/shared/aws-clients.js';
import { hostArch } from '../../scripts/bundle.js';
import { MODEL_BUCKET_NAME } from '../../system/manifest.js';
import { type LocalCloudFixture, startLocalCloudFixture } from '../support/local-cloud.js';

/**
 * What the end-to-end suite runs against: a deployed stack when HYPERMOB_E2E_STACK and AWS
 * credentials are set (docs/deploy.md, "End-to-end tests"), otherwise the local cloud in AWS-like
 * timing (metrics late, versions Pending, updates InProgress) with IAM enforced — as if it were a
 * deployed stack. The checks are the same; `only` says which of them only a real deploy can show.
 */
export interface E2eTarget {
  name: string;
  kind: 'aws' | 'local';
  bucket: string;
  /** The stack output RecommendUrl (AWS: HYPERMOB_E2E_URL, optional). */
  recommendUrl?: string;
  /** The architecture the functions are built for: arm64 on AWS, the host's locally. */
  architecture: 'arm64' | 'x86_64';
  /** Facts the local cloud cannot show (s3rver has no versioning or bucket encryption). */
  awsOnly: boolean;
  stop(): Promise<void>;
}

const env = process.env;
const hasCredentials = Boolean(
  env.AWS_ACCESS_KEY_ID ||
    env.AWS_PROFILE ||
    env.AWS_WEB_IDENTITY_TOKEN_FILE ||
    env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ||
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
);

export async function startTarget(): Promise<E2eTarget> {
  if (hasCredentials && env.HYPERMOB_E2E_STACK) {
    return {
      name: `deployed stack ${env.HYPERMOB_E2E_STACK}`,
      kind: 'aws',
      bucket: env.HYPERMOB_E2E_BUCKET ?? MODEL_BUCKET_NAME,
      ...(env.HYPERMOB_E2E_URL ? { recommendUrl: env.HYPERMOB_E2E_URL } : {}),
      architecture: 'arm64',
      awsOnly: true,
      stop: async () => {},
    };
  }
  const f: LocalCloudFixture = await startLocalCloudFixture({ awsTiming: true });
  setClients({ s3: f.clients.s3, lambda: f.clients.lambda, sfn: f.clients.sfn });
  return {
    name: 'local cloud (AWS-like timing, IAM enforced)',
    kind: 'local',
    bucket: MODEL_BUCKET_NAME,
    recommendUrl: `${f.apiEndpoint}/recommend`,
    architecture: hostArch() === 'arm64' ? 'arm64' : 'x86_64',
    awsOnly: false,
    stop: async () => {
      setClients({});
      await f.stop();
    },
  };
}
