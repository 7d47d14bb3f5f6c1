import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { bundleForLambda, cdkJsonContext, createApp } from '../../infra/app.js';
import type { FunctionBundles, HypermobStack } from '../../infra/hypermob-stack.js';
import { REPO_ROOT } from '../../scripts/bundle.js';

/**
 * One synthesis of the real app (arm64 bundles, cdk.json's feature flags, cdk-nag) for the template
 * tests. Synthesis takes seconds on a small machine, so each test file does this once.
 */
export interface Finding {
  plugin: string;
  rule: string;
  severity: string;
  paths: string[];
}

export interface Synthesized {
  app: App;
  stack: HypermobStack;
  bundles: FunctionBundles;
  template: Template;
  /** Every finding of every validation plugin (cdk-nag AwsSolutions, CloudFormation Validate). */
  findings: Finding[];
  synthMs: number;
  /** Removes the temporary cloud assembly (staged assets are tens of MB). */
  cleanup(): void;
}

interface ReportJson {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string; severity?: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

/**
 * `bundleDir` should differ per test file: test files run in parallel, and two builds swapping the
 * same directory under a running synthesis would make the asset hash flaky.
 */
export async function synthesize(opts: {
  bundleDir: string;
  context?: Record<string, unknown>;
}): Promise<Synthesized> {
  const bundles = await bundleForLambda(path.resolve(REPO_ROOT, opts.bundleDir));
  const outdir = mkdtempSync(path.join(tmpdir(), 'hm-cdk-'));
  const app = new App({ context: { ...cdkJsonContext(), ...opts.context }, outdir });
  const { stack } = createApp(bundles, app);
  const t = performance.now();
  let failure: unknown;
  try {
    app.synth();
  } catch (err) {
    failure = err; // a failed validation; the findings below say which
  }
  const synthMs = performance.now() - t;
  const reportFile = path.join(outdir, 'validation-report.json');
  const report: ReportJson = existsSync(reportFile)
    ? (JSON.parse(readFileSync(reportFile, 'utf8')) as ReportJson)
    : { pluginReports: [] };
  const findings = report.pluginReports.flatMap((p) =>
    p.violations.map((v) => ({
      plugin: p.pluginName,
      rule: v.ruleName,
      severity: v.severity ?? 'error',
      paths: v.violatingConstructs.map((c) => c.constructPath),
    })),
  );
  if (failure && findings.length === 0) throw failure;
  // After a failed validation there is no cached assembly; synthesize again without giving up the
  // findings, so the template tests still say what is wrong besides them.
  const template = failure ? Template.fromJSON(stack.resolve(templateOf(stack))) : Template.fromStack(stack);
  const cleanup = () => rmSync(outdir, { recursive: true, force: true });
  return { app, stack, bundles, template, findings, synthMs, cleanup };
}

function templateOf(stack: HypermobStack): object {
  return (stack as unknown as { _toCloudFormation(): object })._toCloudFormation();
}
