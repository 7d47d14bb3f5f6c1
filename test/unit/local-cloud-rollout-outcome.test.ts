import { describe, expect, it } from 'vitest';
import { rolloutOutcome } from '../../local-cloud/rollout-outcome.js';

const upload = JSON.stringify({ detail: { object: { key: 'car_fit_model.onnx' } } });
const exec = (over: Partial<Parameters<typeof rolloutOutcome>[0]>) =>
  rolloutOutcome({ name: 'e1', input: upload, status: 'SUCCEEDED', ...over });

describe('rolloutOutcome', () => {
  it('names the live version and strategy of a finished rollout', () => {
    const output = JSON.stringify({
      plan: { strategy: 'canary' },
      release: { version: '3' },
      result: { version: '3' },
    });
    expect(exec({ output })).toBe('rollout e1 car_fit_model.onnx: live on version 3 (canary)');
  });

  it('says when the bytes were already a version, and when an A/B test is held', () => {
    expect(exec({ output: JSON.stringify({ release: { version: '2', unchanged: true } }) })).toBe(
      'rollout e1 car_fit_model.onnx: unchanged: these bytes already are version 2',
    );
    const held = { plan: { strategy: 'ab' }, release: { version: '4' }, progress: { weight: 0.25 } };
    expect(exec({ output: JSON.stringify(held) })).toBe(
      'rollout e1 car_fit_model.onnx: A/B test holding version 4 at 25 % until rollout promote or abort',
    );
  });

  it('gives the cause of a rejection on one line', () => {
    expect(exec({ status: 'FAILED', error: 'ModelRejected', cause: 'accuracy: seat_x\nRMSE 9 > 4' })).toBe(
      'rollout e1 car_fit_model.onnx: rejected: accuracy: seat_x RMSE 9 > 4',
    );
  });

  it('gives the version rolled back to and the gate reasons', () => {
    const cause = JSON.stringify({
      message: 'rolled back',
      rolledBackTo: '2',
      gate: ['errors 9 % > 1 %', 'p99'],
    });
    expect(exec({ status: 'FAILED', error: 'RolledBack', cause })).toBe(
      'rollout e1 car_fit_model.onnx: rolled back to version 2: errors 9 % > 1 %; p99',
    );
  });

  it('reports other failures, commands and aborts', () => {
    expect(exec({ status: 'FAILED', error: 'Superseded', cause: 'newer upload' })).toBe(
      'rollout e1 car_fit_model.onnx: failed: Superseded: newer upload',
    );
    const command = JSON.stringify({ command: 'promote' });
    expect(
      exec({ input: command, output: JSON.stringify({ outcome: 'promote', summary: 'live → 4' }) }),
    ).toBe('rollout e1 promote: live → 4');
    expect(exec({ status: 'ABORTED' })).toBe('rollout e1 car_fit_model.onnx: aborted');
    expect(exec({ status: 'TIMED_OUT' })).toBe('rollout e1 car_fit_model.onnx: timed out');
  });

  it('shortens a long cause', () => {
    const line = exec({ status: 'FAILED', error: 'ModelRejected', cause: 'x'.repeat(1000) });
    expect(line.length).toBeLessThan(360);
    expect(line.endsWith('…')).toBe(true);
  });
});
