/**
 * A dev environment with two registered services, orders and payments, as it would be deployed:
 * the platform (pinned account and region) and each service's kitchen-sink stack
 * (test/fixtures/kitchen-sink-service.ts), built with the consumer library as the services' own
 * repositories would build them.
 *
 * The platform is synthesized WITHOUT the compliance packs: this environment answers IAM
 * questions, and the packs run once per environment in packages/platform/test/compliance.test.ts.
 */
import {
  ACCOUNT,
  type DeployedTemplate,
  IamModel,
  REGION,
} from '../../packages/platform/test/helpers/iam-model';
import { synthPlatform } from '../../packages/platform/test/helpers/synth';
import { kitchenSinkService } from '../fixtures/kitchen-sink-service';

/** The GitHub ids of orders' repository (configured), payments has none (name-based trust). */
export const ORDERS_REPOSITORY = { repository: 'acme/orders-service', ownerId: 4242, repositoryId: 777001 };
export const PAYMENTS_REPOSITORY = { repository: 'acme/payments-service' };
export const PLATFORM_REPOSITORY = 'acme/shared-lambda-infra';

/** The deployed environment and its IAM. */
export interface SecurityEnvironment {
  readonly model: IamModel;
  readonly templates: readonly DeployedTemplate[];
}

let memo: SecurityEnvironment | undefined;

/**
 * Synthesizes the platform and both services once per process (a few seconds) and returns the
 * same environment to every caller: test files that share a worker share one synthesis.
 */
export function buildSecurityEnvironment(): SecurityEnvironment {
  if (!memo) {
    const templates = synthesizeTemplates();
    memo = { model: new IamModel(templates), templates };
  }
  return memo;
}

/** The deployed templates of the environment. */
export function synthesizeTemplates(): DeployedTemplate[] {
  const platform = synthPlatform({
    // Compliance is checked per environment elsewhere; these templates answer IAM questions.
    compliance: false,
    overrides: {
      account: ACCOUNT,
      region: REGION,
      services: [
        {
          name: 'orders',
          repository: ORDERS_REPOSITORY.repository,
          repositoryOwnerId: ORDERS_REPOSITORY.ownerId,
          repositoryId: ORDERS_REPOSITORY.repositoryId,
          basePath: 'orders',
          // Stricter than dev's "any branch": orders deploys to dev from main and release tags only.
          allowedRefs: ['refs/heads/main', 'refs/tags/v*'],
        },
        { name: 'payments', repository: PAYMENTS_REPOSITORY.repository, basePath: 'payments' },
      ],
    },
  }).assembly;
  const services = ['orders', 'payments'].map((service) => kitchenSinkService({ service }));
  return [
    ...platform.stacks.map((s) => ({ stackName: s.stackName, template: s.template })),
    ...services.map((s) => ({ stackName: s.stackName, template: s.template })),
  ];
}
