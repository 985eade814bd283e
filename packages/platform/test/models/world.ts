import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import {
  type DeclaredRoute,
  Parameters,
  ROUTES_DECLARATION_VERSION,
  ROUTES_RESOURCE_TYPE,
  ROUTES_SERVICE_TIMEOUT_SECONDS,
  routesStackName,
  type ServiceRegistration,
} from '@shared-lambda-infra/contract';
import type { CloudFormationCustomResourceEvent, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { Log } from '../../functions/routes/common';
import {
  PLATFORM_SETTINGS_VERSION,
  type PlatformSettings,
  RECEIVER_TIMEOUT_SECONDS,
  RECONCILE_MAX_RECEIVE_COUNT,
  RECONCILE_VISIBILITY_TIMEOUT_SECONDS,
  RECONCILER_TIMEOUT_SECONDS,
  SCHEDULED_RECONCILE_MESSAGE,
  SETTINGS_RESOURCE_TYPE,
} from '../../functions/routes/interface';
import { createReceiver } from '../../functions/routes/receiver';
import { createReconciler } from '../../functions/routes/reconciler';
import { ApiGatewayModel } from './apigateway';
import { clients, FifoQueueModel, ParameterStoreModel, TableModel } from './aws';
import { VirtualClock } from './clock';
import { CloudFormationModel, type DeployOptions, type ModelTemplate } from './cloudformation';

/** The fixture's names: one project, environment, account and Region. */
export const SCOPE = { project: 'shared-lambda-infra', env: 'dev' } as const;
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const REST_API_ID = 'abc123';
export const STAGE = 'dev';
const RECEIVER_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:shared-lambda-infra-dev-fn-routes-receiver`;
const RECONCILER_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:shared-lambda-infra-dev-fn-routes-reconciler`;

/** A function ARN of a service, named as the contract names them. */
export function fnArn(service: string, name: string, account = ACCOUNT): string {
  return `arn:aws:lambda:${REGION}:${account}:function:shared-lambda-infra-dev-fn-${service}-${name}`;
}

/** A silent log that keeps what was written, for assertions. */
export function memoryLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, detail?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(detail ?? {})}`);
  };
  return { lines, info: keep('INFO'), warn: keep('WARN'), error: keep('ERROR') };
}

/** The platform settings of the fixture. */
export function platformSettings(overrides: Partial<PlatformSettings> = {}): PlatformSettings {
  return {
    version: PLATFORM_SETTINGS_VERSION,
    restApiId: REST_API_ID,
    stageName: STAGE,
    region: REGION,
    account: ACCOUNT,
    apiName: 'shared-lambda-infra-dev-api',
    cors: {
      allowOrigins: ['https://app.example.com'],
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'Authorization'],
      allowCredentials: false,
      maxAgeSeconds: 600,
    },
    jwtAuthorizer: {
      functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:shared-lambda-infra-dev-fn-authorizer`,
      identityHeader: 'Authorization',
      resultsCacheTtlSeconds: 300,
    },
    routes: [
      {
        method: 'GET',
        path: '/health',
        authorization: 'none',
        integration: { type: 'mock', statusCode: 200, body: '{"ok":true}' },
      },
    ],
    caching: { enabled: true, encrypted: true },
    quotas: { resourcesPerApi: 300 },
    throttle: { rateLimit: 100, burstLimit: 200 },
    ...overrides,
  };
}

/**
 * The whole system in one place: models of API Gateway, CloudFormation, DynamoDB, SQS and SSM on
 * one virtual clock, the REAL receiver and reconciler handlers wired to them, and the Lambda
 * event source that feeds the reconciler from the queue (batch 10, one invocation at a time, as
 * reserved concurrency 1 does).
 */
export class World {
  readonly clock = new VirtualClock();
  readonly apigateway = new ApiGatewayModel(this.clock, REST_API_ID, STAGE);
  readonly table = new TableModel();
  readonly queue = new FifoQueueModel(
    this.clock,
    // What the CDK side deploys: the reconciler's timeout plus a minute (a crashed reconcile comes
    // back within the routes resource's 900 s ServiceTimeout).
    RECONCILE_VISIBILITY_TIMEOUT_SECONDS * 1000,
    RECONCILE_MAX_RECEIVE_COUNT,
  );
  readonly ssm = new ParameterStoreModel(this.clock);
  readonly log = memoryLog();
  readonly cfn: CloudFormationModel;
  /** Reconciler invocations, how many threw, and how many crashed (never returned). */
  readonly invocations = { total: 0, failed: 0, crashed: 0 };
  /** Receiver invocations (deliveries), and how many threw. */
  readonly deliveries = { total: 0, failed: 0 };
  /**
   * How Lambda's asynchronous invocation hands CloudFormation's requests to the receiver: an extra
   * delay per request (queueing, a retry after an error: the order of two requests can swap), and
   * whether it is delivered twice (at-least-once delivery).
   */
  delivery: {
    delayMs?: (event: CloudFormationCustomResourceEvent) => number;
    duplicate?: (event: CloudFormationCustomResourceEvent) => boolean;
  } = {};
  private readonly receiver;
  private readonly reconciler;
  private stopped = false;
  private poller?: Promise<void>;
  private crash?: { afterAnswers: number; afterWrites: number; writes: number; base: number; armed: boolean };

  /**
   * @param options.productionReconcilerUrls the reconciler keeps its production ResponseURL check
   *   (CloudFormation's response bucket of its Region), which refuses the model's 127.0.0.1 URLs.
   */
  constructor(options: { productionReconcilerUrls?: boolean } = {}) {
    this.table.clock = this.clock;
    const models = { apigateway: this.apigateway, table: this.table, queue: this.queue, ssm: this.ssm };
    const sdk = clients(models);
    const reconcilerSdk = clients(models, {
      frozen: () => this.frozen(),
      hang: () => this.clock.hang(),
      wrote: () => {
        if (this.crash?.armed) this.crash.writes++;
      },
    });
    const env = {
      PROJECT: SCOPE.project,
      ENV_NAME: SCOPE.env,
      ROUTES_TABLE_NAME: 'routes',
      ROUTES_QUEUE_URL: 'https://sqs/routes.fifo',
    };
    const cloudformation = new CloudFormationClient({ region: REGION });
    mockClient(cloudformation)
      .on(DescribeStackResourceCommand)
      .callsFake(async (input) => this.cfn.describeStackResource(input));
    // The model's response server stands in for CloudFormation's response bucket.
    const modelResponseUrls = (url: unknown) =>
      typeof url === 'string' && url.startsWith(`${this.cfn.responseOrigin}/responses/`)
        ? undefined
        : 'not the model of CloudFormation';
    this.receiver = createReceiver({
      ssm: sdk.ssm,
      db: sdk.db,
      sqs: sdk.sqs,
      cloudformation,
      responseUrlCheck: modelResponseUrls,
      clock: this.clock,
      log: this.log,
      env,
    });
    this.reconciler = createReconciler({
      ssm: reconcilerSdk.ssm,
      db: reconcilerSdk.db,
      apigateway: reconcilerSdk.apigateway,
      sqs: reconcilerSdk.sqs,
      clock: this.clock,
      log: this.log,
      env,
      emitMetric: (line) => this.log.lines.push(`METRIC ${line}`),
      ...(options.productionReconcilerUrls ? {} : { responseUrlCheck: modelResponseUrls }),
    });
    this.cfn = new CloudFormationModel(this.clock, (event) => this.invokeReceiver(event), REGION, ACCOUNT);
  }

  /** Starts the response server and the queue poller. */
  async start(): Promise<this> {
    await this.cfn.start();
    this.poller = this.clock.spawn(() => this.poll());
    return this;
  }

  /** Stops the poller and the server. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.clock.runUntil(this.poller ?? Promise.resolve());
    await this.cfn.stop();
  }

  /** Registers a service in the registry (its `registration` parameter). */
  register(service: string, overrides: Partial<ServiceRegistration> = {}): ServiceRegistration {
    const registration: ServiceRegistration = {
      service,
      basePath: service,
      throttle: { rateLimit: 50, burstLimit: 100 },
      allowedAuthorizations: ['jwt', 'iam'],
      cachingAllowed: true,
      resourceBudget: 100,
      ...overrides,
    };
    this.ssm.parameters.set(
      Parameters.serviceRegistration.path(SCOPE, service),
      JSON.stringify(registration),
    );
    // Other per-service parameters live under the same path and must be skipped.
    this.ssm.parameters.set(Parameters.serviceBasePath.path(SCOPE, service), registration.basePath);
    return registration;
  }

  /** Runs actors (stack deploys, ...) to completion in virtual time. */
  run<T>(...actors: Array<() => Promise<T>>): Promise<T[]> {
    return this.clock.runUntil(Promise.all(actors.map((a) => this.clock.spawn(a))));
  }

  /** Lets the reconciler drain the queue (no stack waiting). */
  async settle(): Promise<void> {
    await this.run(async () => {
      while (this.queue.messages.length > 0) await this.clock.sleep(1_000);
    });
  }

  /** Deploys the platform's api stack with these settings. */
  deployPlatform(settings: PlatformSettings = platformSettings(), options?: DeployOptions): Promise<string> {
    return this.cfn.deploy(`${SCOPE.project}-${SCOPE.env}-api`, platformTemplate(settings), options);
  }

  /** Deploys a service's api stack declaring these routes. */
  deployService(
    service: string,
    routes: readonly DeclaredRoute[],
    options?: DeployOptions & { stackName?: string; extra?: Record<string, string>; logicalId?: string },
  ): Promise<string> {
    return this.cfn.deploy(
      options?.stackName ?? routesStackName(SCOPE, service),
      serviceTemplate(routes, options?.extra, options?.logicalId),
      options,
    );
  }

  /** Deletes a service's api stack. */
  deleteService(service: string): Promise<string> {
    return this.cfn.deleteStack(routesStackName(SCOPE, service));
  }

  /** The scheduled drift repair: what the scheduler puts on the queue every 15 minutes. */
  scheduleReconcile(): void {
    this.queue.send({
      MessageBody: JSON.stringify(SCHEDULED_RECONCILE_MESSAGE),
      MessageGroupId: 'shared-api',
    });
  }

  /**
   * Makes the reconciler crash in its next invocation once it has sent `answers` answers in it:
   * every AWS call it makes from then on never returns, and Lambda ends it at its timeout.
   */
  crashReconcilerAfterAnswers(answers: number): void {
    this.crash = { afterAnswers: answers, afterWrites: 0, writes: 0, base: 0, armed: false };
  }

  /** Makes the reconciler crash in its next invocation once it has written `writes` items in it. */
  crashReconcilerAfterWrites(writes: number): void {
    this.crash = { afterAnswers: 0, afterWrites: writes, writes: 0, base: 0, armed: false };
  }

  private frozen(): boolean {
    const c = this.crash;
    return !!c?.armed && this.cfn.answers.length - c.base >= c.afterAnswers && c.writes >= c.afterWrites;
  }

  private invokeReceiver(event: CloudFormationCustomResourceEvent): void {
    const copies = this.delivery.duplicate?.(event) ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      // CloudFormation invokes the service token asynchronously: Lambda queues the event, and
      // retries a failed invocation twice, one minute and then two minutes later.
      void this.clock.spawn(async () => {
        const delay = (this.delivery.delayMs?.(event) ?? 0) + copy * 5_000;
        if (delay > 0) await this.clock.sleep(delay);
        for (let attempt = 1; attempt <= 3; attempt++) {
          const started = this.clock.now();
          this.deliveries.total++;
          try {
            await this.receiver(event, {
              invokedFunctionArn: RECEIVER_ARN,
              getRemainingTimeInMillis: () => RECEIVER_TIMEOUT_SECONDS * 1000 - (this.clock.now() - started),
            });
            return;
          } catch (error) {
            this.deliveries.failed++;
            this.log.error('receiver invocation failed', { error: String(error), attempt });
          }
          if (attempt < 3) await this.clock.sleep(attempt * 60_000);
        }
      });
    }
  }

  /** The SQS event source: one batch at a time, deleted on success, left to reappear on error. */
  private async poll(): Promise<void> {
    while (!this.stopped) {
      const batch = this.queue.receive(10);
      if (batch.length > 0) {
        const started = this.clock.now();
        const event = {
          Records: batch.map((m) => ({
            messageId: m.id,
            receiptHandle: m.id,
            body: m.body,
            eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:shared-lambda-infra-dev-routes.fifo',
          })),
        } as unknown as SQSEvent;
        this.invocations.total++;
        if (this.crash && !this.crash.armed) {
          this.crash.armed = true;
          this.crash.base = this.cfn.answers.length;
        }
        try {
          const done = await this.clock.waitFor(
            this.clock
              .spawn(() =>
                this.reconciler(event, {
                  invokedFunctionArn: RECONCILER_ARN,
                  getRemainingTimeInMillis: () =>
                    RECONCILER_TIMEOUT_SECONDS * 1000 - (this.clock.now() - started),
                }),
              )
              .then(() => true),
            RECONCILER_TIMEOUT_SECONDS * 1000,
          );
          if (done) this.queue.deleteBatch(batch);
          else {
            // Lambda ended the invocation at its timeout: the batch comes back after the queue's
            // visibility timeout.
            this.invocations.crashed++;
            this.invocations.failed++;
          }
        } catch {
          this.invocations.failed++;
        }
        if (this.crash?.armed) this.crash = undefined;
      }
      await this.clock.sleep(1_000);
    }
  }
}

/** The api stack's settings resource. */
export function platformTemplate(settings: PlatformSettings): ModelTemplate {
  return {
    ApiSettings: {
      type: SETTINGS_RESOURCE_TYPE,
      properties: { Settings: JSON.stringify(settings) },
      serviceTimeout: ROUTES_SERVICE_TIMEOUT_SECONDS,
    },
  };
}

/** A service stack: one routes resource with the whole table. */
export function serviceTemplate(
  routes: readonly DeclaredRoute[],
  extra: Record<string, string> = {},
  logicalId = 'Routes',
): ModelTemplate {
  return {
    [logicalId]: {
      type: ROUTES_RESOURCE_TYPE,
      properties: { Declaration: JSON.stringify({ version: ROUTES_DECLARATION_VERSION, routes }), ...extra },
      serviceTimeout: ROUTES_SERVICE_TIMEOUT_SECONDS,
    },
  };
}

/** A route of the fixture. */
export function route(
  method: DeclaredRoute['method'],
  path: string,
  fn: string,
  extra: Partial<DeclaredRoute> = {},
): DeclaredRoute {
  const service = path.split('/')[1];
  return { method, path, functionArn: fnArn(service, fn), authorization: 'jwt', ...extra };
}
