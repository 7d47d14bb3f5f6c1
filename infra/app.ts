import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { bundleFunctions, REPO_ROOT } from '../scripts/bundle.js';
import { FUNCTIONS, type FunctionKey } from '../system/manifest.js';
import { readConfig } from './config.js';
import { type FunctionBundles, HypermobStack } from './hypermob-stack.js';

/**
 * `npx cdk synth|deploy` runs this file with tsx. CDK synthesis is synchronous, so the functions are
 * bundled first (top-level await), for arm64, into their own directory: dist/functions holds the
 * host-architecture bundles the local cloud runs, and the two must not overwrite each other.
 */
export const CDK_BUNDLE_DIR = path.join(REPO_ROOT, 'dist', 'functions-arm64');

export async function bundleForLambda(outDir: string = CDK_BUNDLE_DIR): Promise<FunctionBundles> {
  const byName = await bundleFunctions({ arch: 'arm64', outDir, log: (l) => console.error(l) });
  const dirs = {} as Record<FunctionKey, string>;
  for (const key of Object.keys(FUNCTIONS) as FunctionKey[]) {
    const dir = byName[FUNCTIONS[key].name];
    if (!dir) throw new Error(`no bundle for ${FUNCTIONS[key].name}: does ${FUNCTIONS[key].entry} exist?`);
    dirs[key] = dir;
  }
  return dirs;
}

/**
 * cdk.json's context (feature flags and any deployment settings), for apps built outside the CLI —
 * tests — so they synthesize exactly what `npx cdk synth` does.
 */
export function cdkJsonContext(): Record<string, unknown> {
  const json = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: object };
  return { ...(json.context ?? {}) };
}

/** The app with cdk-nag's AwsSolutions pack: any unacknowledged finding fails synthesis. */
export function createApp(
  bundles: FunctionBundles,
  app: App = new App(),
): { app: App; stack: HypermobStack } {
  const config = readConfig((key) => app.node.tryGetContext(key));
  const stack = new HypermobStack(app, config.stackName, {
    config,
    bundles,
    description: 'hypermob-recommend: model bucket, recommend API, rollout pipeline, alarms',
    // Without context, account and region come from the CLI's credentials; synth needs neither.
    env: {
      account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT,
      region: config.region ?? process.env.CDK_DEFAULT_REGION,
    },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const { app } = createApp(await bundleForLambda());
  app.synth();
}
