import { readAssembly, rehearseServiceStacks, renderRehearsal } from '@shared-lambda-infra/rehearse';
import { kitchenSinkService } from '../../../test/fixtures/kitchen-sink-service';
import { serviceRehearsalInputs } from '../lib/rehearsal';
import { synthPlatform } from '../test/helpers/synth';
(async () => {
  const p = synthPlatform({ env: 'dev', overrides: { services: [{ name: 'orders', repository: 'acme/orders-service', basePath: 'orders' }] } });
  const inputs = serviceRehearsalInputs(p, p.assembly).find((i) => i.service === 'orders')!;
  const ks = kitchenSinkService({ service: 'orders' }) as any;
  console.log(Object.keys(ks));
  const t0 = Date.now();
  const r = await rehearseServiceStacks(inputs, [{ id: 'x', stackName: ks.stackName, template: ks.template, tags: {}, dependencies: [], assets: [] }]);
  console.log(renderRehearsal(r));
  console.log('rehearse ms', Date.now() - t0);
})();
