/**
 * The local cloud's log lines carry a level so the terminal can stay quiet: `info` lines (control
 * plane steps, function output) go to the log files and, with `--verbose`, the terminal; `notice`
 * (one line per rollout outcome), `warn` and `error` lines always reach the terminal too.
 */
export type LogLevel = 'info' | 'notice' | 'warn' | 'error';

export type Log = (line: string, level?: LogLevel) => void;
