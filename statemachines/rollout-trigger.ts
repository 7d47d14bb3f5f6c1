import {
  MODEL_BUCKET_NAME,
  PIPELINE_PREFIXES,
  ROLLOUT_STATE_MACHINE_NAME,
  UPLOAD_SUFFIX,
} from '../system/manifest.js';

/**
 * The one definition of what starts a rollout, used by the CDK rule (infra/) and the local cloud's
 * S3 → EventBridge bridge. EventBridge cannot AND two conditions on one field, so the pattern matches
 * `*.onnx` and the state machine's first Choice ignores keys under the pipeline's own prefixes; the
 * pipeline also never writes a key ending in `.onnx` (pinned copies are `pinned/<sha256>.model`).
 */
export { PIPELINE_PREFIXES, ROLLOUT_STATE_MACHINE_NAME };

export function rolloutEventPattern(bucketName: string = MODEL_BUCKET_NAME) {
  return {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: {
      bucket: { name: [bucketName] },
      object: { key: [{ suffix: UPLOAD_SUFFIX }] },
    },
  };
}
