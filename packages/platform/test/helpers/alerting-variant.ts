// Config overrides that service-alerting.test.ts synthesizes and compliance-variants.slow.test.ts
// runs the compliance packs over: one definition, so the packs check exactly what the test asserts on.

/**
 * dev's registry with alarm recipients and thresholds: the config's defaults (observability.serviceAlarms)
 * all differ from the built-in ones; orders has owners' addresses, a webhook and overrides every threshold,
 * billing overrides none. Every value differs from the others, so a key read from the wrong level fails.
 */
export const SERVICE_ALERTING_OVERRIDES: Record<string, unknown> = {
  observability: {
    serviceAlarms: {
      serverErrorRatePercent: 4,
      latencyP99Ms: 2500,
      throttledRequests: 75,
      authorizerDenials: 150,
    },
  },
  services: [
    {
      name: 'orders',
      repository: 'acme/orders-service',
      basePath: 'orders',
      owners: ['orders-team@example.com', 'Team Orders', 'oncall@example.com'],
      alarmWebhook: 'https://hooks.example.com/services/orders',
      alarms: { serverErrorRatePercent: 2, latencyP99Ms: 1200, throttledRequests: 20, authorizerDenials: 40 },
    },
    { name: 'billing', repository: 'acme/billing', basePath: 'invoices' },
  ],
};
