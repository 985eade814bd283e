// `npm run doctor [-- -c env=dev] [-- -c config=path/to/file.yaml]`: checks a deployed environment
// with read-only credentials (any principal with ReadOnlyAccess: only Get, Describe and List calls): contract parameters, the API health route, the routes queues, the guard hooks, the
// account's quotas against `quotas`, and drift of the platform stacks. One line per check, with the
// fix; exits 1 when a check fails. The region is the config's, else AWS_REGION.
import * as path from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { configSelection } from '../lib/app-config';
import { ConfigError } from '../lib/config/errors';
import { loadPlatformConfig } from '../lib/config/load';
import { renderDoctor, runDoctor } from '../lib/doctor/doctor';
import { measuredEnvironment } from '../lib/limits/synth';
import { parseContext } from './synth-args';

const context = parseContext(
  process.argv.slice(2),
  'doctor',
  "Checks a deployed environment with read-only credentials: contract parameters, the API health route, the routes queues, the guard hooks, the account's quotas and stack drift. Exits 1 when a check fails.",
);
if (context.config) context.config = path.resolve(process.env.INIT_CWD ?? process.cwd(), context.config);

async function main(): Promise<void> {
  const { config } = loadPlatformConfig(configSelection((key) => context[key]));
  const region = config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    console.error('no region: set region in the config or AWS_REGION');
    process.exit(2);
  }
  const { stacks } = measuredEnvironment(config);
  const results = await runDoctor(config, stacks, {
    ssm: new SSMClient({ region }),
    sqs: new SQSClient({ region }),
    cloudFormation: new CloudFormationClient({ region }),
    serviceQuotas: new ServiceQuotasClient({ region }),
    // IAM is global: Service Quotas keeps its quotas in us-east-1.
    globalServiceQuotas: new ServiceQuotasClient({ region: 'us-east-1' }),
  });
  console.log(`Doctor of ${config.environment} in ${region}\n`);
  console.log(renderDoctor(results));
  if (results.some((r) => !r.ok)) process.exit(1);
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
});
