import { describe, expect, it } from 'vitest';
import { bakeView, outcomeReason, rolloutView, verdictOf } from '../../operator/read-model/derive.js';
import {
  type Lineage,
  lineageSchema,
  MalformedRecordError,
  parseRecord,
  reportSchema,
} from '../../operator/read-model/records.js';
import { executionArnFor, resolveTarget } from '../../operator/read-model/target.js';

/** The read model's pure half: parsing lineage records and reports, and what it derives from them. */

const at = '2026-01-01T00:00:00.000Z';
const lineage = (patch: Record<string, unknown>): Lineage =>
  parseRecord(
    lineageSchema,
    'rollouts/x.json',
    JSON.stringify({
      schemaVersion: 1,
      execution: 'x',
      kind: 'upload',
      startedAt: at,
      updatedAt: at,
      model: { bucket: 'b', key: 'car_fit_model.onnx', sha256: 'a'.repeat(64) },
      plan: {
        strategy: 'canary',
        parameters: { weight: 0.3, interval: 10 },
        schedule: [0.3],
        intervalSeconds: 10,
        hold: false,
      },
      release: { version: '2', pinnedKey: 'pinned/a.model', reused: false },
      weights: [{ at, primary: '1', candidate: '2', weight: 0.3, reason: 'step 1 of 1' }],
      gates: [],
      outcome: { status: 'in-progress', at },
      ...patch,
    }),
  );
const ended = { status: 'FAILED' as const, error: null, cause: null, output: null, kind: 'upload' as const };

describe('read model: records', () => {
  it('parses a lineage record with the latest look of an experiment, and tolerates fields it does not know', () => {
    const look = {
      at,
      look: 2,
      of: 24,
      decision: 'continue',
      reasons: ['look 2 of 24: 80 more feedbacks needed'],
      readout: { verdict: 'insufficient_data' },
    };
    const r = lineage({ looks: [{ ...look, look: 1 }, look], future: 1 });
    expect(rolloutView(r)).toMatchObject({
      execution: 'x',
      strategy: 'canary',
      version: '2',
      modelKey: 'car_fit_model.onnx',
      experiment: look,
      endedAt: null,
    });
  });

  it('names what is wrong with a malformed record', () => {
    expect(() => parseRecord(lineageSchema, 'rollouts/y.json', '{"execution":1}')).toThrow(
      MalformedRecordError,
    );
    expect(() => parseRecord(lineageSchema, 'rollouts/y.json', 'not json')).toThrow(
      /rollouts\/y.json is not JSON/,
    );
  });

  it('parses a report with its checks and signature diff', () => {
    const r = parseRecord(
      reportSchema,
      'reports/x.json',
      JSON.stringify({
        executionName: 'x',
        generatedAt: at,
        passed: false,
        failed: ['accuracy'],
        model: { bucket: 'b', key: 'k.onnx' },
        signatureDiff: [{ path: 'metadata.model_name', live: 'a', candidate: 'b' }],
        checks: [{ name: 'accuracy', status: 'failed', summary: 'RMSE over 1.25 ×' }],
      }),
    );
    expect(r.checks[0]?.status).toBe('failed');
    expect(r.signatureDiff).toHaveLength(1);
  });
});

describe('read model: outcomes', () => {
  it('a rolled-back rollout gives the gate reasons', () => {
    const r = lineage({
      outcome: {
        status: 'rolled-back',
        at,
        error: 'GateBreached',
        cause: JSON.stringify({ gate: ['error rate 50 % > 2 %'] }),
      },
    });
    expect(outcomeReason(r)).toBe('error rate 50 % > 2 %');
    expect(verdictOf(ended, r, null)).toMatchObject({ done: true, result: 'rolled-back' });
  });

  it('a rejection names the failed check from the report, without the report URL', () => {
    const r = lineage({
      release: undefined,
      outcome: {
        status: 'rejected',
        at,
        error: 'ModelRejected',
        cause: 'model rejected by 1 check — seatpos: r 0.1 (report: s3://b/reports/x.json)',
      },
    });
    expect(outcomeReason(r)).toBe('model rejected by 1 check — seatpos: r 0.1');
    const report = {
      execution: 'x',
      key: 'reports/x.json',
      generatedAt: at,
      passed: false,
      failed: ['seatpos'],
      model: { key: 'k', sha256: null, size: null, metadata: {} },
      live: { version: null, compared: false, reason: null },
      checks: [{ name: 'seatpos', status: 'failed' as const, summary: 'r = 0.1 (minimum 0.6)' }],
      signatureDiff: null,
    };
    expect(verdictOf(ended, r, report)).toEqual({
      done: true,
      result: 'rejected',
      message: 'rejected by seatpos — seatpos: r = 0.1 (minimum 0.6)',
    });
  });

  it('completed is live on the released version; a held A/B counts as running while the execution goes on', () => {
    expect(
      verdictOf({ ...ended, status: 'SUCCEEDED' }, lineage({ outcome: { status: 'completed', at } }), null),
    ).toEqual({
      done: true,
      result: 'live',
      message: 'live on version 2',
    });
    const ab = lineage({ plan: { strategy: 'ab', schedule: [0.5], intervalSeconds: 0, hold: true } });
    expect(verdictOf({ ...ended, status: 'RUNNING' }, ab, null)).toMatchObject({
      done: true,
      result: 'held',
    });
    expect(verdictOf({ ...ended, status: 'RUNNING' }, lineage({}), null)).toEqual({ done: false });
  });

  it('commands: NothingToDo and the summary of a success', () => {
    const command = { ...ended, kind: 'command' as const };
    expect(
      verdictOf({ ...command, error: 'NothingToDo', cause: 'nothing to promote' }, undefined, null),
    ).toEqual({
      done: true,
      result: 'nothing-to-do',
      message: 'nothing to promote',
    });
    expect(
      verdictOf(
        { ...command, status: 'SUCCEEDED', output: '{"summary":"promoted version 2"}' },
        undefined,
        null,
      ),
    ).toMatchObject({ result: 'ok', message: 'promoted version 2' });
  });

  it('the bake ends waitSeconds after the Bake state was entered', () => {
    const b = bakeView(
      { at, waitSeconds: 10, step: 0, weight: 0.3, extensions: 0 },
      1,
      new Date(Date.parse(at) + 4_000),
    );
    expect(b).toMatchObject({ step: 1, steps: 1, secondsLeft: 6, endsAt: '2026-01-01T00:00:10.000Z' });
  });
});

describe('read model: target', () => {
  it('endpoint and region from the environment, names from the stack outputs, flags win', () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_DEFAULT_REGION: 'eu-west-1' };
    expect(resolveTarget({}, env)).toMatchObject({
      local: true,
      region: 'eu-west-1',
      bucket: 'hypermob-models',
    });
    const t = resolveTarget(
      { region: 'us-west-2', stack: 'S' },
      {},
      {
        ModelBucketName: 'mine',
        StateMachineArn: 'arn:aws:states:us-west-2:1:stateMachine:sm',
      },
    );
    expect(t).toMatchObject({ local: false, region: 'us-west-2', bucket: 'mine', stateMachineName: 'sm' });
    expect(resolveTarget({ bucket: 'flag' }, {}, { ModelBucketName: 'out' }).bucket).toBe('flag');
    expect(executionArnFor('arn:aws:states:r:1:stateMachine:sm', 'e1')).toBe(
      'arn:aws:states:r:1:execution:sm:e1',
    );
  });
});
