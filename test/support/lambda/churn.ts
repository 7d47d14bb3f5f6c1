import path from 'node:path';
import { createLambdaService } from '../../../local-cloud/lambda/index.js';
import { writeEchoBundle } from './echo-bundle.js';

/**
 * Test helper run as a child process: keeps rewriting the Lambda state (alias weights, versions) as
 * fast as it can until it is killed, so a test can SIGKILL it mid-write and check state.json.
 * Usage: tsx churn.ts <dataDir>
 */
const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: churn.ts <dataDir>');
const svc = await createLambdaService({
  dataDir,
  region: 'us-east-1',
  accountId: '000000000000',
  awsEndpoint: 'http://127.0.0.1:1',
});
const bundle = await writeEchoBundle(path.join(dataDir, 'bundle'));
// Versions 1 (N=0) and 2 (N=1) once; later runs only churn the alias and $LATEST.
if ((svc.state().functions.churn?.versions.length ?? 0) < 2) {
  await svc.ensureFunction({
    name: 'churn',
    bundleDir: bundle,
    environment: { NN: '0' },
    memoryMb: 128,
    timeoutSeconds: 3,
  });
  await svc.publishVersion('churn');
  await svc.ensureFunction({
    name: 'churn',
    bundleDir: bundle,
    environment: { NN: '1' },
    memoryMb: 128,
    timeoutSeconds: 3,
  });
  await svc.publishVersion('churn');
}
const [v1, v2] = ['1', '2'];
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  await svc.putAlias('churn', 'live', v1, { [v2]: (i % 100) / 100 });
  await svc.ensureFunction({
    name: 'churn',
    bundleDir: bundle,
    environment: { NN: String(i) },
    memoryMb: 128,
    timeoutSeconds: 3,
  });
}
