import { defineCheck } from './check.js';
import { loadCandidate } from './model-load.js';

/**
 * onnxruntime-node creates a session: every operator is supported (`ai.onnx.ml` included). The load
 * also reads the signature and runs the contract's probe, which the contract check judges: loading
 * the model twice would double the slowest step of a validation.
 */
export const loadsCheck = defineCheck({
  id: 'loads',
  order: 30,
  needs: ['bytes', 'onnx'],
  provides: { loaded: 'the model does not load' },
  timeLimitMs: (th) => th.loadTimeLimitMs,
  run: async ({ bytes }, _th, signal) => {
    const loaded = await loadCandidate(bytes, signal);
    if ('loadError' in loaded) return { status: 'failed', summary: loaded.loadError };
    const { model } = loaded;
    return {
      status: 'passed',
      summary: 'onnxruntime-node created a session',
      provides: { loaded },
      ...(model ? { release: () => model.release() } : {}),
    };
  },
});
