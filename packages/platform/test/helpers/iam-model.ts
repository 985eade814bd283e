// The model lives in @shared-lambda-infra/rehearse, which the rehearsal and the service CLI use too.
export * from '@shared-lambda-infra/rehearse';
