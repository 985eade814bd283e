export { JWT_AUTHORIZER_BUNDLING } from './bundling';
export {
  ALLOWED_ALGORITHMS,
  defaultJwksUri,
  ISSUERS_ENV,
  type IssuerConfig,
  parseIssuers,
} from './config';
export { TokenRejected } from './errors';
export {
  AUTHORIZER_DEFAULTS,
  type AuthorizerHandler,
  type AuthorizerOptions,
  claimsContext,
  createAuthorizerHandler,
  policyResource,
} from './handler';
export type { JwtClaims } from './verify';
