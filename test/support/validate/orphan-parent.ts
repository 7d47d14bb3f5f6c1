// A parent that opens a model in an inference child process, starts a run that never ends, prints
// the child's pid and then waits to be killed (test/unit/validate-session-process.test.ts).
import { openInChildProcess } from '../../../functions/rollout/validate/session-process.js';
import { INPUT_WIDTH } from '../../../functions/shared/model-signature.js';
import { slowLoopModel } from '../onnx-fixtures.js';

const before = new Set(await childPids());
const session = await openInChildProcess(slowLoopModel(1e12));
const [pid] = (await childPids()).filter((p) => !before.has(p));
void session.run('input', new Float32Array(INPUT_WIDTH), 1, session.outputMetadata[0]?.name ?? 'output');
setTimeout(() => console.log(`child ${pid}`), 500);
setInterval(() => {}, 1000);

async function childPids(): Promise<number[]> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').catch(() => '');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}
