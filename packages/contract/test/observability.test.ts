import { describe, expect, it } from 'vitest';
import {
  ACCESS_LOG_FIELDS,
  basePathOfResourcePath,
  Parameters,
  SERVICE_API_METRIC_DIMENSION,
  SERVICE_API_METRICS,
  serviceAlarmNamePattern,
  serviceAlarmTopicName,
  serviceApiMetricsNamespace,
  serviceGatewayAlarmName,
  serviceTopicNamePattern,
} from '../src';

const scope = { project: 'shared-lambda-infra', env: 'dev' as const };

describe('per-service observability names', () => {
  it('publishes gateway metrics under {project}/{env}/ServiceApi with the BasePath dimension', () => {
    expect(serviceApiMetricsNamespace(scope)).toBe('shared-lambda-infra/dev/ServiceApi');
    expect(SERVICE_API_METRIC_DIMENSION).toBe('BasePath');
    expect(Object.values(SERVICE_API_METRICS)).toEqual([
      'Requests',
      '4XXError',
      '5XXError',
      'Throttled',
      'AuthorizerDenied',
      'Latency',
      'IntegrationLatency',
    ]);
  });

  it("names a service's alarm topic outside the topic names the service may manage", () => {
    const name = serviceAlarmTopicName(scope, 'orders');
    expect(name).toBe('shared-lambda-infra-dev-alarm-orders');
    const own = new RegExp(`^${serviceTopicNamePattern(scope, 'orders').replace('*', '.*')}$`);
    expect(own.test(name)).toBe(false);
  });

  it("names the platform's gateway alarms outside the alarm names the service may manage", () => {
    const name = serviceGatewayAlarmName(scope, 'orders', '5xx-rate');
    expect(name).toBe('shared-lambda-infra-dev-alarm-api-orders-5xx-rate');
    const own = new RegExp(`^${serviceAlarmNamePattern(scope, 'orders').replace('*', '.*')}$`);
    expect(own.test(name)).toBe(false);
  });

  it('publishes the alarm topic ARN at /{project}/{env}/services/{service}/alarm-topic-arn', () => {
    expect(Parameters.serviceAlarmTopicArn.path(scope, 'orders')).toBe(
      '/shared-lambda-infra/dev/services/orders/alarm-topic-arn',
    );
  });
});

describe('basePathOfResourcePath', () => {
  it('is the first segment of a resource path, and the value itself when there is none', () => {
    expect(basePathOfResourcePath('/orders/{id}')).toBe('orders');
    expect(basePathOfResourcePath('/orders')).toBe('orders');
    expect(basePathOfResourcePath('/health')).toBe('health');
    expect(basePathOfResourcePath('/')).toBe('/');
    expect(basePathOfResourcePath('-')).toBe('-');
  });
});

describe('ACCESS_LOG_FIELDS', () => {
  it('logs the gateway response type, which tells throttles and denials from the service own 4XX', () => {
    expect(ACCESS_LOG_FIELDS.errorType).toBe('$context.error.responseType');
    expect(ACCESS_LOG_FIELDS.resourcePath).toBe('$context.resourcePath');
  });
});
