import { InvokeCommand } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { lambda } from '../../shared/aws-clients.js';
import { ModelRejectedError } from '../shared/errors.js';
import { patchLineage } from '../shared/lineage.js';
import { updateLineage } from '../shared/lineage-store.js';
import { planSchema, releaseSchema } from '../shared/state.js';
import type { ReleaseConfig } from './config.js';
import { activeVersion } from './function-config.js';
import { checkProbeAnswer, probeEvent } from './probes.js';

const stateSchema = z.object({ plan: planSchema, release: releaseSchema });

/**
 * Waits until the new version is Active (a Pending version cannot be invoked), then invokes it directly (qualifier = version, never the alias) with probe requests,
 * one after another so the first warms an environment (download, verify, session) before any
 * user reaches it. Any failed probe rejects the model; the alias has not been touched.
 */
export async function preTrafficStep(state: unknown, config: ReleaseConfig) {
  const { plan, release } = stateSchema.parse(state);
  await activeVersion(config.target.functionName, release.version, config.updateWaitMs);
  const results: { probe: number; ms: number; problems: string[] }[] = [];
  for (let i = 0; i < config.probes; i++) {
    const started = performance.now();
    const out = await lambda().send(
      new InvokeCommand({
        FunctionName: config.target.functionName,
        Qualifier: release.version,
        Payload: new TextEncoder().encode(JSON.stringify(probeEvent(i, release.version))),
      }),
    );
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : 'null';
    const problems = out.FunctionError
      ? [`function error ${out.FunctionError}: ${text.slice(0, 300)}`]
      : checkProbeAnswer(safeJson(text), { sha256: release.sha256, version: release.version });
    results.push({ probe: i, ms, problems });
  }
  const failed = results.filter((r) => r.problems.length > 0);
  await updateLineage(plan.model.bucket, plan.executionName, 'upload', (r) =>
    patchLineage(r, new Date().toISOString(), {
      preTraffic: { version: release.version, passed: failed.length === 0, probes: results },
    }),
  );
  if (failed.length > 0) {
    const detail = failed.map((f) => `probe ${f.probe}: ${f.problems.join('; ')}`).join(' | ');
    throw new ModelRejectedError(`pre-traffic check of version ${release.version} failed: ${detail}`);
  }
  return { version: release.version, probes: results };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
