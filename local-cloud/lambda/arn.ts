import { invalidParameter } from './errors.js';

/**
 * Function names as the Lambda API accepts them: `name`, `name:qualifier`, `123456789012:function:name`
 * or a full ARN, optionally qualified. Step Functions Task states pass full ARNs.
 */
const FULL_ARN =
  /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:([a-zA-Z0-9-_]+)(?::([a-zA-Z0-9-_$]+))?$/;
const PARTIAL_ARN = /^\d{12}:function:([a-zA-Z0-9-_]+)(?::([a-zA-Z0-9-_$]+))?$/;
const NAME = /^([a-zA-Z0-9-_]+)(?::([a-zA-Z0-9-_$]+))?$/;

export function parseFunctionName(raw: string): { name: string; qualifier: string | undefined } {
  const m = FULL_ARN.exec(raw) ?? PARTIAL_ARN.exec(raw) ?? NAME.exec(raw);
  if (!m)
    throw invalidParameter(
      `1 validation error detected: Value '${raw}' at 'functionName' failed to satisfy constraint`,
    );
  return { name: m[1] as string, qualifier: m[2] };
}

/** Combines the qualifier in the name with the Qualifier parameter; they must agree. */
export function effectiveQualifier(
  fromName: string | undefined,
  param: string | undefined,
): string | undefined {
  if (fromName !== undefined && param !== undefined && fromName !== param) {
    throw invalidParameter(
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
  }
  return param ?? fromName;
}

export function functionArn(region: string, accountId: string, name: string, qualifier?: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}${qualifier ? `:${qualifier}` : ''}`;
}
