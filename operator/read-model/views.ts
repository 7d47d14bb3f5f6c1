import type {
  Lineage,
  LineageGate,
  LineageLook,
  LineageWeight,
  OutcomeStatus,
  ReportCheck,
} from './records.js';

/**
 * What the read model answers: plain data, the same for the CLI (`--json` prints these as they are)
 * and the dashboard. Times are ISO strings, weights fractions 0–1.
 */

export interface TargetView {
  endpoint: string | null;
  region: string;
  bucket: string;
  functionName: string;
  alias: string;
  stateMachineArn: string;
}

/** A published version of the recommend function and the model it pins. */
export interface VersionView {
  version: string;
  /** The uploaded key the model came from (MODEL_SOURCE_KEY). */
  modelKey: string | null;
  /** The immutable copy the version serves (MODEL_KEY). */
  pinnedKey: string | null;
  sha256: string | null;
  size: number | null;
  publishedAt: string | null;
  /** The upload execution that released it, when its lineage is among the recent records. */
  execution: string | null;
  /** The ONNX metadata_props its validation report recorded (model_name, model_kind, trained_at, …). */
  training: Record<string, string>;
}

export interface LiveView {
  primary: string;
  candidate: { version: string; weight: number } | null;
}

/** The bake in progress: the candidate's weight and when its gate reads the metrics. */
export interface BakeView {
  /** 1-based step of the schedule. */
  step: number;
  steps: number;
  weight: number;
  startedAt: string;
  endsAt: string;
  secondsLeft: number;
  /** Extensions so far for lack of samples. */
  extensions: number;
}

/** One rollout or command, as one line of history. */
export interface RolloutView {
  execution: string;
  kind: Lineage['kind'];
  startedAt: string;
  endedAt: string | null;
  status: OutcomeStatus;
  modelKey: string | null;
  sha256: string | null;
  strategy: string | null;
  parameters: Record<string, unknown>;
  /** The version the upload released, or the one a command made live. */
  version: string | null;
  command: { command: string; version: string | null; from: string | null; to: string | null } | null;
  /** Why it did not go live (rejected, rolled back, aborted, superseded, failed); null otherwise. */
  reason: string | null;
  /** The execution that decided the outcome, when it was another one (a command, a later upload). */
  by: string | null;
  /** An automatic A/B experiment's latest look (decision, reasons, readout); null for other rollouts. */
  experiment: LineageLook | null;
}

export interface StatusView {
  at: string;
  target: TargetView;
  /** null: alias live does not exist yet (nothing rolled out). */
  live: LiveView | null;
  /** Recent published versions, newest first. */
  versions: VersionView[];
  /** The rollout in flight (a running upload execution, or a held experiment). */
  inFlight: (RolloutView & { arn: string | null; state: string | null; bake: BakeView | null }) | null;
  /** Lineage records or reports that could not be parsed: named, not hidden. */
  problems: string[];
}

export interface HistoryView {
  rollouts: RolloutView[];
  problems: string[];
}

/** A validation report with the checks and the signature diff against the live model. */
export interface ReportView {
  execution: string;
  key: string;
  generatedAt: string;
  passed: boolean;
  failed: string[];
  model: { key: string; sha256: string | null; size: number | null; metadata: Record<string, string> };
  live: { version: string | null; compared: boolean; reason: string | null };
  checks: ReportCheck[];
  signatureDiff: { path: string; live: unknown; candidate: unknown }[] | null;
}

export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE';

/** One execution, as it unfolds: what `upload` and `watch` render. */
export interface TimelineView {
  execution: {
    name: string;
    arn: string;
    status: ExecutionStatus;
    startedAt: string;
    stoppedAt: string | null;
    error: string | null;
    cause: string | null;
    /** The state it is in now (from the execution history): Validate, Release, Bake, … */
    state: string | null;
  };
  /** null until the Plan step wrote the lineage record (or for executions that never do: Ignored). */
  rollout: RolloutView | null;
  plan: { strategy: string; schedule: number[]; intervalSeconds: number; hold: boolean } | null;
  /** null until the validation report exists. */
  validation: ReportView | null;
  weights: LineageWeight[];
  gates: LineageGate[];
  bake: BakeView | null;
  /** Whether it has ended, and how that counts for the operator (docs/operator.md, "Exit codes"). */
  verdict: Verdict;
}

export type Verdict =
  | { done: false }
  | {
      done: true;
      /** live: the model serves 100 % (or already did); held: the experiment runs; ok: a command did its work. */
      result:
        | 'live'
        | 'held'
        | 'ok'
        | 'rejected'
        | 'bad-request'
        | 'rolled-back'
        | 'superseded'
        | 'nothing-to-do'
        | 'not-found'
        | 'failed';
      message: string;
    };

/** A rollout with everything recorded about it: what the dashboard draws per rollout. */
export interface RolloutDetail {
  rollout: RolloutView;
  plan: TimelineView['plan'];
  weights: LineageWeight[];
  gates: LineageGate[];
  validation: ReportView | null;
}
