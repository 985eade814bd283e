// Config overrides that service-alerting.test.ts synthesizes and compliance-variants.slow.test.ts
// runs the compliance packs over: one definition, so the packs check exactly what the test asserts on.

/** dev's registry with alarm recipients and per-service thresholds: two services, one with owners' addresses, a webhook and its own 5XX threshold. */
export const SERVICE_ALERTING_OVERRIDES: Record<string, unknown> = {
  observability: { serviceAlarms: { latencyP99Ms: 2500 } },
  services: [
    {
      name: 'orders',
      repository: 'acme/orders-service',
      basePath: 'orders',
      owners: ['orders-team@example.com', 'Team Orders', 'oncall@example.com'],
      alarmWebhook: 'https://hooks.example.com/services/orders',
      alarms: { serverErrorRatePercent: 2 },
    },
    { name: 'billing', repository: 'acme/billing', basePath: 'invoices' },
  ],
};
