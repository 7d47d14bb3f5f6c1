import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FUNCTIONS, type FunctionKey } from '../system/manifest.js';

/**
 * The `${Placeholder}`s of statemachines/model-rollout.asl.json and how to fill them. CDK passes
 * `rolloutSubstitutions(...)` as `definitionSubstitutions` (tokens for region/account are fine: the
 * result is plain string concatenation); the local cloud substitutes the same map into the file.
 */
export const ROLLOUT_ASL_PATH = fileURLToPath(new URL('./model-rollout.asl.json', import.meta.url));

/** Placeholder name → the function (functions/catalog.ts) whose unqualified ARN it becomes. */
export const ROLLOUT_PLACEHOLDERS = {
  ValidateFunctionArn: 'validate',
  ReleaseFunctionArn: 'release',
  TrafficFunctionArn: 'traffic',
} as const satisfies Record<string, FunctionKey>;

export type RolloutPlaceholder = keyof typeof ROLLOUT_PLACEHOLDERS;

export interface RolloutSubstitutionOptions {
  region: string;
  accountId: string;
  /** `aws` unless in GovCloud/China. */
  partition?: string;
  /** Accepted for symmetry with the stack's props; the ASL takes the bucket from each event. */
  bucketName?: string;
}

export function lambdaFunctionArn(
  o: { region: string; accountId: string; partition?: string },
  name: string,
) {
  return `arn:${o.partition ?? 'aws'}:lambda:${o.region}:${o.accountId}:function:${name}`;
}

export function rolloutSubstitutions(
  options: RolloutSubstitutionOptions,
): Record<RolloutPlaceholder, string> {
  const entries = Object.entries(ROLLOUT_PLACEHOLDERS).map(([placeholder, key]) => [
    placeholder,
    lambdaFunctionArn(options, FUNCTIONS[key].name),
  ]);
  return Object.fromEntries(entries) as Record<RolloutPlaceholder, string>;
}

/** Fills every `${Name}`; an unknown or missing placeholder is an error, never left in the output. */
export function substitute(definition: string, substitutions: Record<string, string>): string {
  return definition.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_match, name: string) => {
    const value = substitutions[name];
    if (value === undefined) throw new Error(`no substitution for \${${name}} in the rollout ASL`);
    return value;
  });
}

/** The ASL text with placeholders filled, ready for CreateStateMachine or aws-local-stepfunctions. */
export function rolloutDefinition(substitutions: Record<string, string>): string {
  return substitute(readFileSync(ROLLOUT_ASL_PATH, 'utf8'), substitutions);
}
