import { App } from 'aws-cdk-lib';
import { loadCdkJsonContext } from '../../lib/app';
import { ServiceAccessStack } from '../../lib/stacks/service-access-stack';
import { configFor } from '../../test/helpers/synth';

const services = Array.from({ length: 200 }, (_, i) => ({
  name: `svc${i}`,
  repository: `acme/svc-${i}`,
  basePath: `svc${i}`,
}));
const config = configFor('dev', { services, api: { quotas: { resourcesPerApi: 400 } } });
for (let k = 0; k < 2; k++) {
  const t0 = performance.now();
  const app = new App({
    context: {
      ...loadCdkJsonContext(),
      'aws:cdk:disable-stack-trace': true,
      'aws:cdk:disable-creation-stack-traces': true,
    },
    builtinCloudFormationValidation: false,
  });
  for (const service of config.services) new ServiceAccessStack(app, { config, service });
  const t1 = performance.now();
  app.synth();
  const t2 = performance.now();
  console.log('build', Math.round(t1 - t0), 'synth', Math.round(t2 - t1));
}
