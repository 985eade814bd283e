/**
 * A dev environment with two registered services, orders and payments, as it would be deployed:
 * the platform (compliance-checked, pinned account and region) and each service's kitchen-sink
 * stack built with the consumer library, as the services' own repositories would build them.
 */
import * as path from 'node:path';
import { ServiceFunction, ServiceStack } from '@shared-lambda-infra/consumer';
import { App, Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  ACCOUNT,
  type DeployedTemplate,
  IamModel,
  REGION,
} from '../../packages/platform/test/helpers/iam-model';
import { synthPlatform } from '../../packages/platform/test/helpers/synth';

const HANDLER = path.join(__dirname, '..', '..', 'packages', 'consumer', 'test', 'fixtures', 'handler.ts');

/** The GitHub ids of orders' repository (configured), payments has none (name-based trust). */
export const ORDERS_REPOSITORY = { repository: 'acme/orders-service', ownerId: 4242, repositoryId: 777001 };
export const PAYMENTS_REPOSITORY = { repository: 'acme/payments-service' };
export const PLATFORM_REPOSITORY = 'acme/shared-lambda-infra';

/**
 * What a real service has: a function behind the API, a queue worker with a dead-letter queue,
 * a scheduled function, a table with a stream consumer, a bucket, a state machine and a secret,
 * every data resource without an explicit name (CloudFormation names them).
 */
function kitchenSink(stack: ServiceStack): void {
  const table = new dynamodb.Table(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    stream: dynamodb.StreamViewType.NEW_IMAGE,
  });
  const deadLetters = new sqs.Queue(stack, 'DeadLetters', { enforceSSL: true });
  const queue = new sqs.Queue(stack, 'Queue', {
    enforceSSL: true,
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: 3 },
  });
  const bucket = new s3.Bucket(stack, 'Bucket', { enforceSSL: true });
  const secret = new secretsmanager.Secret(stack, 'Secret');
  const workflow = new sfn.StateMachine(stack, 'Workflow', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Start')),
  });

  const api = new ServiceFunction(stack, 'Api', { entry: HANDLER });
  table.grantReadWriteData(api);
  bucket.grantRead(api);
  secret.grantRead(api);
  workflow.grantStartExecution(api);
  queue.grantSendMessages(api);

  const worker = new ServiceFunction(stack, 'Worker', { entry: HANDLER });
  worker.addEventSource(new SqsEventSource(queue));

  const streamConsumer = new ServiceFunction(stack, 'StreamConsumer', { entry: HANDLER });
  streamConsumer.addEventSource(
    new DynamoEventSource(table, { startingPosition: lambda.StartingPosition.LATEST }),
  );

  const nightly = new ServiceFunction(stack, 'Nightly', { entry: HANDLER });
  new events.Rule(stack, 'NightlySchedule', {
    schedule: events.Schedule.rate(Duration.days(1)),
    targets: [new targets.LambdaFunction(nightly)],
  });
}

/** The deployed environment and its IAM. */
export interface SecurityEnvironment {
  readonly model: IamModel;
  readonly templates: readonly DeployedTemplate[];
}

/** Synthesizes the platform and both services (about a minute: call once, in `beforeAll`). */
export function buildSecurityEnvironment(): SecurityEnvironment {
  const templates = synthesizeTemplates();
  return { model: new IamModel(templates), templates };
}

/** The deployed templates of the environment. */
export function synthesizeTemplates(): DeployedTemplate[] {
  const platform = synthPlatform({
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
  });
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const orders = new ServiceStack(app, 'Orders', {
    service: 'orders',
    env: 'dev',
    account: ACCOUNT,
    region: REGION,
  });
  const payments = new ServiceStack(app, 'Payments', {
    service: 'payments',
    env: 'dev',
    account: ACCOUNT,
    region: REGION,
  });
  kitchenSink(orders);
  kitchenSink(payments);
  const services = app.synth();
  return [
    ...platform.assembly.stacks.map((s) => ({ stackName: s.stackName, template: s.template })),
    ...services.stacks.map((s) => ({ stackName: s.stackName, template: s.template })),
  ];
}
