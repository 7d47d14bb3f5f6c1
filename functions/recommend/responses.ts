import { TARGETS, type Target } from '../shared/contract.js';

/** The success wire format of issue 2 §4, `{"status":"success",…}`; errors: functions/shared/api-gateway.ts. */

export interface ModelIdentity {
  version: string;
  key: string;
  sha256: string;
}

/** float32 outputs carry ~7 significant digits; 3 decimals (µm, millidegree) is already beyond any actuator. */
function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

// The data keys, quoted once: the success body is assembled as a string on the warm path
// (about 3× cheaper than building an object for JSON.stringify). Keys and numbers need no escaping;
// user_id and the model identity go through JSON.stringify.
const DATA_KEYS = TARGETS.map((t, i) => `${i === 0 ? '' : ','}"${t}":`);

/** `model` and the degraded marker of a served model, serialised once per model. */
export function modelSuffix(model: ModelIdentity, degradedReason: string | undefined): string {
  const degraded =
    degradedReason === undefined ? '' : `,"degraded":true,"reason":${JSON.stringify(degradedReason)}`;
  return `,"model":${JSON.stringify(model)}${degraded}`;
}

export function successBody(
  values: readonly number[],
  clamped: readonly Target[],
  userId: string | undefined,
  suffix: string,
  recommendationId?: string,
): string {
  let out = '{"status":"success","data":{';
  for (let i = 0; i < TARGETS.length; i++) out += DATA_KEYS[i] + String(round3(values[i] as number));
  out += '}';
  // base64url needs no JSON escaping.
  if (recommendationId !== undefined) out += `,"recommendation_id":"${recommendationId}"`;
  if (userId !== undefined) out += `,"user_id":${JSON.stringify(userId)}`;
  out += suffix;
  if (clamped.length > 0) out += `,"clamped":${JSON.stringify(clamped)}`;
  return `${out}}`;
}
