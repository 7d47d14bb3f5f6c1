/** ARNs of the Step Functions and Lambda resources the local cloud names like AWS does. */
export function stateMachineArn(region: string, accountId: string, name: string): string {
  return `arn:aws:states:${region}:${accountId}:stateMachine:${name}`;
}

export function executionArn(region: string, accountId: string, stateMachine: string, name: string): string {
  return `arn:aws:states:${region}:${accountId}:execution:${stateMachine}:${name}`;
}

export function lambdaFunctionArn(region: string, accountId: string, name: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
}

/** "arn:aws:lambda:r:a:function:name[:qualifier]", a bare name, or "name:qualifier". */
export function parseFunctionRef(ref: string): { name: string; qualifier?: string } {
  const m = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::([^:]+))?$/.exec(ref);
  if (m) return m[2] ? { name: m[1] as string, qualifier: m[2] } : { name: m[1] as string };
  const [name, qualifier] = ref.split(':');
  return qualifier ? { name: name as string, qualifier } : { name: name as string };
}

/** The resource name at the end of a states ARN, or undefined if it is not one of that type. */
export function nameFromArn(arn: string, type: 'stateMachine' | 'execution'): string[] | undefined {
  const parts = arn.split(':');
  if (parts[0] !== 'arn' || parts[2] !== 'states' || parts[5] !== type) return undefined;
  return parts.slice(6);
}

/** Step Functions names: 1–80 characters, no whitespace, brackets, wildcards or control characters. */
export function isValidName(name: string): boolean {
  if (name.length < 1 || name.length > 80) return false;
  // Control characters (U+0000–001F, U+007F–009F) are refused like the listed punctuation.
  for (const ch of name) {
    const code = ch.codePointAt(0) ?? 0;
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return false;
  }
  return !/[\s<>{}[\]?*"#%\\^|~`$&,;:/]/.test(name);
}
