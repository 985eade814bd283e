import { App } from 'aws-cdk-lib';
import { readAssembly, rehearseServiceStacks, renderRehearsal } from '@shared-lambda-infra/rehearse';
import { OrdersStack } from '../../../examples/orders-service/lib/orders-stack';
import { serviceRehearsalInputs } from '../lib/rehearsal';
import { synthPlatform } from '../test/helpers/synth';
(async () => {
  const p = synthPlatform({ env: 'dev' });
  const inputs = serviceRehearsalInputs(p, p.assembly).find((i) => i.service === 'orders')!;
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  new OrdersStack(app, 'Orders', { env: 'dev' });
  const a = app.synth();
  const t0 = Date.now();
  const r = await rehearseServiceStacks(inputs, readAssembly(a.directory));
  console.log(renderRehearsal(r));
  console.log('rehearse ms', Date.now() - t0);
})();
