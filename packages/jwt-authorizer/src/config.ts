/**
 * Configuration of the shared JWT authorizer, shared by the function (which reads it from its
 * environment) and the construct (which writes it), so both agree on names and defaults.
 */

/** The environment variable holding the trusted issuers as JSON (an array of {@link IssuerConfig}). */
export const ISSUERS_ENV = 'AUTHORIZER_ISSUERS';

/**
 * Signature algorithms the authorizer accepts. Asymmetric only: HS256 would let anyone who knows the
 * shared secret (every verifier) mint tokens, and `none` is no signature at all.
 */
export const ALLOWED_ALGORITHMS = ['RS256', 'ES256'] as const;

/** One of {@link ALLOWED_ALGORITHMS}. */
export type AllowedAlgorithm = (typeof ALLOWED_ALGORITHMS)[number];

/** One trusted token issuer. */
export interface IssuerConfig {
  /** Expected `iss` claim, exactly as the issuer writes it (a trailing slash matters). */
  readonly issuer: string;
  /** Accepted `aud` values; a token without `aud` is checked by its `client_id` (Cognito access tokens). */
  readonly audiences: readonly string[];
  /** Where the issuer's public keys are. */
  readonly jwksUri: string;
}

/** The JWKS URL an issuer publishes by convention: `{issuer}/.well-known/jwks.json`. */
export function defaultJwksUri(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
}

/**
 * Parses the issuers from the function's environment. Throws (so the function fails to start, and
 * every request gets a 500 the authorizer-errors alarm sees) when the value is missing or malformed:
 * a misconfigured authorizer must never allow or deny by accident.
 */
export function parseIssuers(raw: string | undefined): IssuerConfig[] {
  if (!raw) {
    throw new Error(`${ISSUERS_ENV} is not set: the construct writes it as a JSON array of issuers`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new Error(`${ISSUERS_ENV} is not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw new Error(`${ISSUERS_ENV} must be a non-empty JSON array of issuers, got ${raw.slice(0, 200)}`);
  }
  return value.map((entry, i) => {
    const e = entry as Partial<IssuerConfig>;
    if (typeof e.issuer !== 'string' || e.issuer.length === 0) {
      throw new Error(`${ISSUERS_ENV}[${i}].issuer must be a non-empty string`);
    }
    if (
      !Array.isArray(e.audiences) ||
      e.audiences.length === 0 ||
      !e.audiences.every((a) => typeof a === 'string')
    ) {
      throw new Error(`${ISSUERS_ENV}[${i}].audiences must be a non-empty array of strings`);
    }
    return {
      issuer: e.issuer,
      audiences: [...e.audiences],
      jwksUri: typeof e.jwksUri === 'string' && e.jwksUri.length > 0 ? e.jwksUri : defaultJwksUri(e.issuer),
    };
  });
}
