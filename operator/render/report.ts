import type { ReportView } from '../read-model/views.js';
import { MARK, type Paint } from './paint.js';

/** A validation report: the verdict, each check with its figures, the signature diff against live. */

export function checkLines(checks: ReportView['checks'], paint: Paint): string[] {
  const width = Math.max(0, ...checks.map((c) => c.name.length));
  return checks.map((c) => {
    const colour = c.status === 'passed' ? 'green' : c.status === 'failed' ? 'red' : 'dim';
    const name = c.name.padEnd(width);
    const summary = c.status === 'skipped' ? paint('dim', `skipped: ${c.summary}`) : c.summary;
    return `  ${paint(colour, MARK[c.status])} ${name}  ${summary}`;
  });
}

export function verdictLine(r: ReportView, paint: Paint): string {
  return r.passed
    ? paint('green', `${MARK.passed} passed: every check passed or was skipped`)
    : paint('red', `${MARK.failed} rejected by ${r.failed.join(', ')}`);
}

export function renderReport(r: ReportView, paint: Paint): string {
  const lines = [
    paint('bold', `validation report ${r.key}`),
    `  model ${r.model.key}${r.model.sha256 ? `  sha256 ${r.model.sha256}` : ''}${r.model.size !== null ? `  ${r.model.size} bytes` : ''}`,
    `  ${r.live.compared ? `compared with live version ${r.live.version}` : `not compared with the live model: ${r.live.reason ?? 'no live model'}`}`,
    '',
    ...checkLines(r.checks, paint),
    '',
    verdictLine(r, paint),
  ];
  lines.push('', paint('bold', 'signature diff against the live model'));
  if (r.signatureDiff === null) lines.push(paint('dim', '  none: no live signature to compare with'));
  else if (r.signatureDiff.length === 0) lines.push('  identical inputs, outputs and metadata');
  else {
    for (const d of r.signatureDiff)
      lines.push(`  ${d.path}: ${JSON.stringify(d.live)} → ${JSON.stringify(d.candidate)}`);
  }
  return lines.join('\n');
}
