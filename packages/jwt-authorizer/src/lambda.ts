import { ISSUERS_ENV, parseIssuers } from './config';
import { createAuthorizerHandler } from './handler';

// The Lambda entry the platform deploys. Module scope: the issuers are parsed once per execution
// environment (a bad value fails the init, so every request gets a 500 the authorizer-errors alarm
// sees), and the handler's key cache serves every invocation that environment handles.

/** The function's handler (`handler` in the deployed function's configuration). */
export const handler = createAuthorizerHandler({ issuers: parseIssuers(process.env[ISSUERS_ENV]) });
