export { JWT_AUTHORIZER_BUNDLING } from './bundling';
export {
  ALLOWED_ALGORITHMS,
  defaultJwksUri,
  ISSUERS_ENV,
  type IssuerConfig,
  parseIssuers,
} from './config';
export {
  type AuthorizerHandler,
  type AuthorizerOptions,
  claimsContext,
  createAuthorizerHandler,
  policyResource,
} from './handler';
