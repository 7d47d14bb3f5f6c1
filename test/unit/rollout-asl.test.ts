import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { STRATEGY_NAMES } from '../../functions/rollout/strategies/index.js';
import { PIPELINE_PREFIXES } from '../../statemachines/rollout-trigger.js';
import {
  ROLLOUT_ASL_PATH,
  ROLLOUT_PLACEHOLDERS,
  rolloutDefinition,
  rolloutSubstitutions,
  substitute,
} from '../../statemachines/substitutions.js';
import { FUNCTIONS } from '../../system/manifest.js';

const require = createRequire(import.meta.url);
const validate = require('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: () => string;
};

interface State {
  Type: string;
  Resource?: string;
  Retry?: { ErrorEquals: string[] }[];
  TimeoutSeconds?: number;
  Choices?: unknown[];
  QueryLanguage?: string;
}
const raw = readFileSync(ROLLOUT_ASL_PATH, 'utf8');
const subs = rolloutSubstitutions({ region: 'eu-west-1', accountId: '111122223333' });
const definition = JSON.parse(rolloutDefinition(subs)) as {
  States: Record<string, State>;
  QueryLanguage?: string;
};

describe('rollout ASL', () => {
  it('is valid Amazon States Language once substituted', () => {
    const result = validate(definition);
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('uses exactly the exported placeholders, each a direct Lambda function ARN', () => {
    const used = [...raw.matchAll(/\$\{([A-Za-z]+)\}/g)].map((m) => m[1]);
    expect(new Set(used)).toEqual(new Set(Object.keys(ROLLOUT_PLACEHOLDERS)));
    expect(subs.TrafficFunctionArn).toBe(
      `arn:aws:lambda:eu-west-1:111122223333:function:${FUNCTIONS.traffic.name}`,
    );
    expect(raw).not.toMatch(/arn:aws:states:::lambda/);
  });

  it('is JSONPath only (aws-local-stepfunctions 3 ignores JSONata)', () => {
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(
      Object.values(definition.States).every((s) => (s.QueryLanguage ?? 'JSONPath') === 'JSONPath'),
    ).toBe(true);
    expect(raw).not.toMatch(/\{%/);
  });

  it('ignores exactly the pipeline prefixes of rollout-trigger.ts', () => {
    const text = JSON.stringify(definition.States.CheckKey);
    const prefixes = [...text.matchAll(/"StringMatches":"([a-z]+\/)\*"/g)].map((m) => m[1]);
    expect(prefixes.sort()).toEqual([...PIPELINE_PREFIXES].sort());
  });

  it('branches on the plan, never on a strategy’s name', () => {
    const variables = (rule: unknown): string[] => {
      const r = rule as { Variable?: string; And?: unknown[]; Or?: unknown[]; Not?: unknown };
      return [
        ...(r.Variable ? [r.Variable] : []),
        ...[...(r.And ?? []), ...(r.Or ?? []), ...(r.Not ? [r.Not] : [])].flatMap(variables),
      ];
    };
    const compared = Object.values(definition.States).flatMap((s) => (s.Choices ?? []).flatMap(variables));
    expect(compared).toEqual(expect.arrayContaining(['$.plan.schedule[0]', '$.plan.hold']));
    expect(compared.filter((v) => v.startsWith('$.plan.strategy'))).toEqual([]);
    for (const name of STRATEGY_NAMES) expect(raw, name).not.toContain(`"${name}"`);
  });

  it('retries transient faults with backoff and bounds every task', () => {
    for (const [name, state] of Object.entries(definition.States)) {
      if (state.Type !== 'Task') continue;
      const retried = (state.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect(retried, name).toEqual(
        expect.arrayContaining([
          'Lambda.ServiceException',
          'Lambda.TooManyRequestsException',
          'States.Timeout',
        ]),
      );
      expect(state.TimeoutSeconds, name).toBeGreaterThan(FUNCTIONS.validate.timeoutSeconds);
    }
    const release = definition.States.Release?.Retry?.flatMap((r) => r.ErrorEquals);
    expect(release).toEqual(expect.arrayContaining(['UpdateInProgress', 'ConcurrentChange']));
  });

  it('an experiment loops Wait → Look → LookDecision on the plan, with the Gate’s retries and catches', () => {
    const states = definition.States as Record<string, State & Record<string, unknown>>;
    expect(JSON.stringify(states.AfterShift)).toContain('"Variable":"$.plan.experiment","IsPresent":true');
    expect(states.ExperimentWait).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.plan.experiment.intervalSeconds',
      Next: 'Look',
    });
    expect(states.Look).toMatchObject({
      Type: 'Task',
      Resource: subs.TrafficFunctionArn,
      Parameters: { action: 'look' },
      ResultPath: '$.progress',
      Catch: states.Gate?.Catch,
      Next: 'LookDecision',
    });
    const retried = (states.Look?.Retry ?? []).flatMap((r) => r.ErrorEquals);
    expect(retried).toEqual(expect.arrayContaining(['ConcurrentChange', 'UpdateInProgress']));
    expect(states.LookDecision).toMatchObject({
      Choices: [
        { Variable: '$.progress.decision', StringEquals: 'continue', Next: 'ExperimentWait' },
        { Variable: '$.progress.decision', StringEquals: 'promote', Next: 'Finish' },
      ],
      Default: 'Rollback',
    });
  });

  it('substitute refuses unknown placeholders instead of leaving them in', () => {
    const $ = '$';
    expect(() => substitute(`{"a":"${$}{Nope}"}`, subs)).toThrow(/no substitution for \$\{Nope\}/);
    expect(substitute(`x${$}{A}y`, { A: '1' })).toBe('x1y');
  });
});
