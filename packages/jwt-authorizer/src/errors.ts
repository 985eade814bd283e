/**
 * A token the authorizer refuses (answered with a Deny), as opposed to a fault (thrown, so API
 * Gateway answers 500 and the authorizer-errors alarm fires). The reason starts with a stable code
 * (`ERR_JWT_EXPIRED`, ...) that log queries can match, followed by a human detail.
 */
export class TokenRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}
