import { rehearsePlatformAssembly, renderRehearsal } from '@shared-lambda-infra/rehearse';
import { synthPlatform } from '../test/helpers/synth';
(async () => {
  const t0 = Date.now();
  const s = synthPlatform({ env: 'dev' });
  const t1 = Date.now();
  const r = await rehearsePlatformAssembly(s.assembly.directory, { platformDeployRole: 'shared-lambda-infra-dev-role-github-platform-deploy' });
  console.log(renderRehearsal(r));
  console.log('synth', t1 - t0, 'rehearse', Date.now() - t1);
})();
