/**
 * The AWS query protocol, as the AWS CLI v1 (and v2 before CloudWatch moved to JSON) sends CloudWatch
 * requests: `POST /`, a form-encoded body `Action=…&Version=2010-08-01&…`, lists flattened as
 * `Name.member.N` (1-based), structures as `Name.Field`; answers are XML documents
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/making-api-requests.html).
 */
/** The form's parameters as nested objects and arrays (`member.N` → array index N − 1), values strings. */
export function decodeQueryForm(form: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of form) {
    const parts = key.split('.');
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < parts.length; i++) {
      let part: string | number = parts[i] as string;
      if (part === 'member' && Array.isArray(node)) continue;
      if (Array.isArray(node)) {
        const index = Number(part) - 1;
        if (!Number.isInteger(index) || index < 0) break;
        part = index;
      }
      const last = i === parts.length - 1;
      const container = node as Record<string | number, unknown>;
      if (last) {
        container[part] = value;
        break;
      }
      const isList = parts[i + 1] === 'member';
      container[part] ??= isList ? [] : {};
      node = container[part] as Record<string, unknown> | unknown[];
    }
  }
  return compact(root) as Record<string, unknown>;
}

/** Sparse arrays (member.3 without member.2) closed up, as AWS reads them in order. */
function compact(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(compact);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, compact(x)]));
  }
  return v;
}

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One XML element per key; arrays as `<member>` lists; undefined left out. */
export function toXml(name: string, value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((v) => toXml('member', v)).join('')}</${name}>`;
  if (value !== null && typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([k, v]) => toXml(k, v))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function queryResponseXml(
  action: string,
  xmlns: string,
  result: Record<string, unknown>,
  requestId: string,
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${xmlns}">${toXml(
    `${action}Result`,
    result,
  )}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

export function queryErrorXml(xmlns: string, code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${xmlns}"><Error><Type>Sender</Type><Code>${escapeXml(
    code,
  )}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
