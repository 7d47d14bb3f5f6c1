import { describe, expect, it } from 'vitest';
import { describeNonOnnx } from '../../operator/actions/model-file.js';
import { rolloutMetadata, STRATEGY_PARAMETERS } from '../../operator/actions/strategy-flags.js';
import type { ReportView, RolloutView, StatusView, TimelineView } from '../../operator/read-model/views.js';
import { renderHistory } from '../../operator/render/history.js';
import { ansi, bar, plain } from '../../operator/render/paint.js';
import { renderReport } from '../../operator/render/report.js';
import { renderStatus } from '../../operator/render/status.js';
import { footer, timelineLines } from '../../operator/render/timeline.js';
import { canonicalModelBytes } from '../support/onnx-fixtures.js';

/** The renderers are pure functions of the read model's views; so are the upload's file and flag checks. */

const at = '2026-01-01T10:00:00.000Z';
const rollout: RolloutView = {
  execution: 'e1',
  kind: 'upload',
  startedAt: at,
  endedAt: null,
  status: 'in-progress',
  modelKey: 'car_fit_model.onnx',
  sha256: 'ab'.repeat(32),
  strategy: 'canary',
  parameters: { weight: 0.3, interval: 10 },
  version: '2',
  command: null,
  reason: null,
  by: null,
  experiment: null,
};
const report: ReportView = {
  execution: 'e1',
  key: 'reports/e1.json',
  generatedAt: at,
  passed: false,
  failed: ['accuracy'],
  model: { key: 'car_fit_model.onnx', sha256: null, size: 1146, metadata: {} },
  live: { version: '1', compared: true, reason: null },
  checks: [
    { name: 'size', status: 'passed', summary: '1146 bytes (limit 52428800)' },
    { name: 'accuracy', status: 'failed', summary: 'seat_position 51.5 > 39.5' },
    { name: 'non_regression', status: 'skipped', summary: 'no live model' },
  ],
  signatureDiff: [{ path: 'metadata.model_name', live: 'a', candidate: 'b' }],
};
const timeline = (patch: Partial<TimelineView> = {}): TimelineView => ({
  execution: {
    name: 'e1',
    arn: 'arn',
    status: 'RUNNING',
    startedAt: at,
    stoppedAt: null,
    error: null,
    cause: null,
    state: 'Bake',
  },
  rollout,
  plan: { strategy: 'canary', schedule: [0.3], intervalSeconds: 10, hold: false },
  validation: { ...report, passed: true, failed: [], checks: report.checks.slice(0, 1) },
  weights: [
    { at: '2026-01-01T10:00:05.000Z', primary: '1', candidate: '2', weight: 0.3, reason: 'step 1 of 1' },
  ],
  gates: [],
  bake: { step: 1, steps: 1, weight: 0.3, startedAt: at, endsAt: at, secondsLeft: 7, extensions: 0 },
  verdict: { done: false },
  ...patch,
});

describe('renderers', () => {
  it('report: every check with its mark and figures, the verdict, the signature diff', () => {
    const text = renderReport(report, plain);
    expect(text).toContain('  ✓ size            1146 bytes (limit 52428800)');
    expect(text).toContain('  ✗ accuracy        seat_position 51.5 > 39.5');
    expect(text).toContain('  – non_regression  skipped: no live model');
    expect(text).toContain('✗ rejected by accuracy');
    expect(text).toContain('metadata.model_name: "a" → "b"');
  });

  it('timeline: append-only lines, weights and gates in time order, the verdict last', () => {
    const running = timelineLines(timeline(), plain);
    const gate = {
      at: '2026-01-01T10:00:20.000Z',
      step: 0,
      weight: 0.3,
      decision: 'pass',
      reasons: ['7 calls, 0 failures'],
    };
    const done = timelineLines(
      timeline({
        gates: [gate],
        weights: [
          ...timeline().weights,
          { at: '2026-01-01T10:00:21.000Z', primary: '2', weight: 1, reason: 'finished: 100 %' },
        ],
        verdict: { done: true, result: 'live', message: 'live on version 2' },
      }),
      plain,
    );
    // What was printed stays a prefix of what is printed later.
    expect(done.slice(0, running.length)).toEqual(running);
    expect(done.slice(running.length)).toEqual([
      '  gate pass at 30 %: 7 calls, 0 failures',
      '[████████████████████] live → version 2  finished: 100 %',
      '✓ live on version 2',
    ]);
    expect(running).toContain('[██████░░░░░░░░░░░░░░]   30 % on version 2  step 1 of 1');
    expect(running).toContain('published version 2  sha256 abababababab');
  });

  it('footer: the bake’s bar, step and time left; a spinner and the state otherwise', () => {
    expect(footer(timeline(), 0)).toBe('⠋ [██████░░░░░░░░░░░░░░] 30 % · step 1 of 1 · gate in 7 s');
    expect(
      footer(timeline({ bake: null, execution: { ...timeline().execution, state: 'Validate' } }), 1),
    ).toBe('⠙ Validate…');
  });

  it('history: one line per rollout, the reason when it did not go live', () => {
    const rejected: RolloutView = {
      ...rollout,
      status: 'rejected',
      version: null,
      reason: 'model rejected by 1 check — ranges: 100 %',
    };
    const text = renderHistory(
      {
        rollouts: [rejected, { ...rollout, status: 'completed' }],
        problems: ['rollouts/x.json is malformed'],
      },
      plain,
    );
    expect(text.split('\n')).toEqual([
      '2026-01-01 10:00:00  rejected    car_fit_model.onnx abababababab canary  model rejected by 1 check — ranges: 100 %',
      '2026-01-01 10:00:00  completed   car_fit_model.onnx abababababab canary v2',
      '! rollouts/x.json is malformed',
    ]);
  });

  it('status: primary and candidate with its weight, versions with their model, the bake in flight', () => {
    const s: StatusView = {
      at,
      target: {
        endpoint: null,
        region: 'eu-west-1',
        bucket: 'b',
        functionName: 'f',
        alias: 'live',
        stateMachineArn: 'arn',
      },
      live: { primary: '1', candidate: { version: '2', weight: 0.3 } },
      versions: [
        {
          version: '2',
          modelKey: 'car_fit_model.onnx',
          pinnedKey: 'p',
          sha256: 'cd'.repeat(32),
          size: 1,
          publishedAt: at,
          execution: 'e1',
          training: { model_name: 'm2' },
        },
      ],
      inFlight: { ...rollout, arn: 'arn', state: 'Bake', bake: timeline().bake },
      problems: [],
    };
    const text = renderStatus(s, plain);
    expect(text).toContain('f:live · s3://b · AWS eu-west-1');
    expect(text).toContain('live: version 1 70 % · candidate version 2 [██████░░░░░░░░░░░░░░] 30 %');
    expect(text).toMatch(/v2 +candidate +car_fit_model\.onnx {2}sha256 cdcdcdcdcdcd .*model_name=m2/);
    expect(text).toContain('step 1 of 1: [██████░░░░░░░░░░░░░░] 30 %, gate in 7 s');
  });

  it('colours only through the paint given; plain output has no escape codes', () => {
    expect(renderReport(report, plain)).not.toContain('\u001b[');
    expect(renderReport(report, ansi)).toContain('\u001b[');
    expect(bar(0.5, 4)).toBe('[██░░]');
  });
});

describe('upload checks', () => {
  it('says what a file that is not ONNX is', () => {
    expect(describeNonOnnx(new Uint8Array([0x80, 0x04, 0x95]))).toMatch(/Python pickle.*skl2onnx/);
    expect(describeNonOnnx(new Uint8Array([0x78, 0x9c, 1]))).toMatch(/joblib/);
    expect(describeNonOnnx(new TextEncoder().encode('PK\u0003\u0004rest'))).toMatch(/ZIP archive/);
    expect(describeNonOnnx(new Uint8Array())).toBe('the file is empty');
    expect(describeNonOnnx(canonicalModelBytes())).toBeUndefined();
  });

  it('strategy flags come from the strategies; one a strategy does not take is refused', () => {
    expect(STRATEGY_PARAMETERS.canary).toEqual(['weight', 'interval']);
    expect(STRATEGY_PARAMETERS.steps).toContain('weights');
    expect(rolloutMetadata('linear', { step: '0.2', interval: '30' })).toEqual({
      rollout: 'linear',
      step: '0.2',
      interval: '30',
    });
    expect(() => rolloutMetadata('all-at-once', { weight: '0.1' })).toThrow(
      '--weight does not apply to all-at-once (it takes no parameters)',
    );
  });
});
