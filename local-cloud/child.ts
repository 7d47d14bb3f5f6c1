import { type LocalCloudOptions, startLocalCloud } from './cloud.js';
import { createLogSink } from './log-sink.js';

/**
 * Runs a local cloud in a child process for tests that must kill it (kill -9 during writes):
 * options as JSON in argv[2]; prints one JSON line with the endpoints once ready; SIGTERM stops it.
 * Logs go where `npm start` sends them: every line to <dataDir>/logs/, warnings, errors and rollout
 * outcomes also to stderr.
 */
const opts = JSON.parse(process.argv[2] ?? '{}') as LocalCloudOptions;
const sink = createLogSink({
  dataDir: opts.dataDir,
  verbose: false,
  print: (line) => process.stderr.write(`${line}\n`),
});
const cloud = await startLocalCloud({ ...opts, log: sink.log });
await cloud.ready;
process.stdout.write(
  `${JSON.stringify({ awsEndpoint: cloud.awsEndpoint, apiEndpoint: cloud.apiEndpoint })}\n`,
);
process.on('SIGTERM', () => {
  void cloud.stop().then(() => {
    sink.close();
    process.exit(0);
  });
});
