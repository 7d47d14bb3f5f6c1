import { randomUUID } from 'node:crypto';
import type { AwsService } from '../aws-endpoint.js';
import {
  type Account,
  describeLogGroups,
  describeLogStreams,
  filterLogEvents,
  getLogEvents,
  LogsError,
} from './api.js';
import { LogStore } from './store.js';

/**
 * The local CloudWatch Logs: the Lambda service writes every line its execution environments print
 * (START/END/REPORT included) to the function's log group `/aws/lambda/<function>`, one stream per
 * environment, as Lambda does; DescribeLogGroups, DescribeLogStreams, FilterLogEvents and
 * GetLogEvents read them (JSON 1.1), so `aws logs tail --follow` (CLI v2) and `aws logs
 * filter-log-events` work as on AWS.
 */
export interface FunctionLogs {
  /** One line of a function's execution environment, into `/aws/lambda/<function>` / `stream`. */
  functionLog(functionName: string, stream: string, message: string): void;
}

export interface LogsService extends FunctionLogs, AwsService {
  readonly store: LogStore;
}

export const lambdaLogGroup = (functionName: string) => `/aws/lambda/${functionName}`;

const JSON_TYPE = 'application/x-amz-json-1.1';

export function createLogsService(account: Account, store = new LogStore()): LogsService {
  return {
    store,
    functionLog: (functionName, stream, message) => store.put(lambdaLogGroup(functionName), stream, message),
    async serve({ route, body }, res) {
      let status = 200;
      let out: unknown;
      try {
        let raw: unknown;
        try {
          raw = JSON.parse(body.toString('utf8') || '{}');
        } catch {
          throw new LogsError('InvalidParameterException', 'Could not parse the request body as JSON');
        }
        switch (route.operation) {
          case 'DescribeLogGroups':
            out = describeLogGroups(store, account, raw);
            break;
          case 'DescribeLogStreams':
            out = describeLogStreams(store, account, raw);
            break;
          case 'FilterLogEvents':
            out = filterLogEvents(store, raw);
            break;
          case 'GetLogEvents':
            out = getLogEvents(store, raw);
            break;
          default:
            throw new Error(`logs: no handler for routed operation ${route.operation}`);
        }
      } catch (err) {
        if (!(err instanceof LogsError)) throw err;
        status = 400;
        out = { __type: err.type, message: err.message };
      }
      const text = JSON.stringify(out);
      res.writeHead(status, {
        'content-type': JSON_TYPE,
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': randomUUID(),
      });
      res.end(text);
    },
  };
}
