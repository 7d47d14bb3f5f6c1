import type { Command } from 'commander';
import { z } from 'zod';

/**
 * `hypermob dashboard`: the read-only rollout dashboard (operator/dashboard/) on 127.0.0.1, over any
 * endpoint — the local cloud's (AWS_ENDPOINT_URL or --endpoint-url) or AWS with the SDK's default
 * credential chain (--stack names the deployed stack). The AWS SDK and the server load only when the
 * command runs, not for `hypermob --help`.
 */
const optionsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  stack: z.string().min(1).optional(),
  endpointUrl: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  profile: z.string().min(1).optional(),
  period: z.coerce.number().int().positive().optional(),
});

export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('serve the read-only rollout dashboard on 127.0.0.1 (alias, versions, rollouts, metrics)')
    .option('--port <port>', 'port on 127.0.0.1 (0: any free port)', '8080')
    .option('--stack <name>', 'the deployed stack: its outputs name the bucket and the state machine')
    .option('--endpoint-url <url>', 'AWS endpoint (default: AWS_ENDPOINT_URL; none: AWS)')
    .option('--region <region>', 'AWS region (default: AWS_REGION)')
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE)')
    .option('--period <seconds>', 'CloudWatch period of the traffic charts (default: 5 local, 60 on AWS)')
    .action(async (raw: unknown) => {
      const parsed = optionsSchema.safeParse(raw);
      if (!parsed.success) throw new Error(`dashboard: ${z.prettifyError(parsed.error)}`);
      const { port, period, ...target } = parsed.data;
      const [{ targetDashboard }, { serveDashboard }, { TIMING }, { resolveTarget }] = await Promise.all([
        import('../../operator/dashboard/for-target.js'),
        import('../../operator/dashboard/serve.js'),
        import('../../operator/dashboard/timing.js'),
        import('../../operator/read-model/target.js'),
      ]);
      const timing = TIMING[resolveTarget(target).local ? 'local' : 'aws'];
      const dashboard = targetDashboard({
        target,
        ...timing,
        ...(period ? { periodSeconds: period } : {}),
      });
      // A wrong stack, region or credentials is one line now, not an error on the page later.
      const { read } = await dashboard.connect();
      const server = await serveDashboard(dashboard.handle, port);
      const t = read.connection.target;
      console.log(`dashboard: ${server.url}`);
      console.log(
        `  reading ${t.functionName}:${t.alias} and s3://${t.bucket} at ${t.endpoint ?? `AWS ${t.region}`}`,
      );
      console.log('  read-only; Ctrl-C stops it');
      const stop = () => {
        void Promise.all([server.close(), dashboard.close()]).then(() => process.exit(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
