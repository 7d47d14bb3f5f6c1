import { type LocalCloudOptions, startLocalCloud } from './cloud.js';

/**
 * Runs a local cloud in a child process for tests that must kill it (kill -9 during writes):
 * options as JSON in argv[2]; prints one JSON line with the endpoints once ready; SIGTERM stops it.
 */
const opts = JSON.parse(process.argv[2] ?? '{}') as LocalCloudOptions;
const cloud = await startLocalCloud({ ...opts, log: (line) => process.stderr.write(`${line}\n`) });
await cloud.ready;
process.stdout.write(
  `${JSON.stringify({ awsEndpoint: cloud.awsEndpoint, apiEndpoint: cloud.apiEndpoint })}\n`,
);
process.on('SIGTERM', () => {
  void cloud.stop().then(() => process.exit(0));
});
