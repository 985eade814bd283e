import * as path from 'node:path';
import { ServiceApi, ServiceFunction, ServiceStack } from '@shared-lambda-infra/consumer';
import { Parameters, serviceTableName } from '@shared-lambda-infra/contract';
import { Fn, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { OWNER_INDEX } from '../src/lib/orders';

/** Props of {@link OrdersStack}. */
export interface OrdersStackProps {
  /** The platform environment to deploy into: `dev`, `staging` or `prod`. */
  readonly env: string;
}

/**
 * The orders service in one platform environment: a DynamoDB table and three functions behind
 * `/orders` on the shared API. Everything else (VPC placement, roles with the permissions
 * boundary, log groups, the authorizer, CORS preflights, applying the declared routes, physical names) comes
 * from the platform through `@shared-lambda-infra/consumer`.
 */
export class OrdersStack extends ServiceStack {
  /** The orders table. */
  public readonly table: dynamodb.TableV2;
  /** The service's routes on the shared API. */
  public readonly api: ServiceApi;

  constructor(scope: Construct, id: string, props: OrdersStackProps) {
    super(scope, id, { service: 'orders', env: props.env, owner: 'orders-team@example.com' });
    const table = this.createTable();
    const list = this.createFunction('ListOrders', 'list-orders', table);
    const get = this.createFunction('GetOrder', 'get-order', table);
    const create = this.createFunction('CreateOrder', 'create-order', table);
    table.grant(list, 'dynamodb:Query'); // each function gets exactly the one call its handler makes
    table.grant(get, 'dynamodb:GetItem');
    table.grant(create, 'dynamodb:PutItem');
    const api = new ServiceApi(this, 'Api');
    api.addRoute('GET /orders', list);
    api.addRoute('GET /orders/{id}', get);
    api.addRoute('POST /orders', create);
    this.table = table;
    this.api = api;
  }

  private createTable(): dynamodb.TableV2 {
    const prod = this.nameScope.env === 'prod';
    // CAUTION: the construct id and the key schema are the table's identity; changing either
    // replaces the table, and with it every order (RETAIN keeps the old one in prod only).
    return new dynamodb.TableV2(this, 'Orders', {
      // The service's CloudFormation execution role may only create tables named with its prefix.
      tableName: serviceTableName(this.nameScope, this.service, 'orders'),
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: OWNER_INDEX,
          partitionKey: { name: 'owner', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'createdAt', type: dynamodb.AttributeType.STRING },
        },
      ],
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The AWS managed key (aws/dynamodb): encryption auditable in CloudTrail, without the monthly
      // cost of a customer managed key or key grants for each function.
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      deletionProtection: prod,
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }

  // TableV2, not ITableV2: under exactOptionalPropertyTypes aws-cdk-lib's TableV2 does not satisfy its own interface.
  private createFunction(id: string, handler: string, table: dynamodb.TableV2): ServiceFunction {
    return new ServiceFunction(this, id, {
      entry: path.join(__dirname, '..', 'src', 'handlers', `${handler}.ts`),
      environment: {
        TABLE_NAME: table.tableName,
        // API Gateway answers CORS preflights; with a proxy integration the actual response must
        // carry Access-Control-Allow-Origin itself, so the handlers need the allowed origins.
        CORS_ALLOW_ORIGINS: Fn.join(',', this.platform.list(Parameters.corsAllowOrigins)),
      },
    });
  }
}
