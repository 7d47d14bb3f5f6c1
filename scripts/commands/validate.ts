import type { Command } from 'commander';
import { action } from '../../operator/cli/run.js';

/**
 * `hypermob validate <model.onnx> [--json]`: the validation gate's checks, here, on the committed
 * golden data, before anything is uploaded (docs/operator.md). Exit 0 passed, 3 rejected, 2 not ONNX.
 */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('run the validation checks locally against the golden set (no upload)')
    .argument('<model>', 'the ONNX model file')
    .option('--json', 'print the report as JSON')
    .action(
      action(async (file: string, o: { json?: boolean }) => {
        const [
          { readFile },
          { assertOnnx },
          { validateLocally },
          { paintFor },
          report,
          { EXIT, NotFoundError },
        ] = await Promise.all([
          import('node:fs/promises'),
          import('../../operator/actions/model-file.js'),
          import('../../operator/actions/local-validate.js'),
          import('../../operator/render/paint.js'),
          import('../../operator/render/report.js'),
          import('../../operator/errors.js'),
        ]);
        const bytes = await readFile(file).catch(() => {
          throw new NotFoundError(`no such file: ${file}`);
        });
        assertOnnx(file, bytes);
        const started = performance.now();
        const result = await validateLocally(file, bytes);
        if (o.json) console.log(JSON.stringify(result, null, 2));
        else {
          const paint = paintFor(process.stdout);
          console.log(report.checkLines(result.checks, paint).join('\n'));
          console.log(
            `${report.verdictLine(result, paint)} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
          );
        }
        return result.passed ? EXIT.ok : EXIT.rejected;
      }),
    );
}
