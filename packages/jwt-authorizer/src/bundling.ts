import * as path from 'node:path';

/**
 * How the shared JWT authorizer is bundled, in one place so the platform's construct and the
 * benchmark (`scripts/bench.ts`) ship and measure the same bundle.
 */
export const JWT_AUTHORIZER_BUNDLING = {
  /**
   * The Lambda entry file (exporting `handler`, configured from the `AUTHORIZER_ISSUERS` environment
   * variable). Importing this module does not load it.
   */
  entry: path.join(__dirname, `lambda${path.extname(__filename)}`),
  /** Lambda runtime name; the esbuild target follows it. */
  runtime: 'nodejs24.x',
  /** esbuild target matching {@link runtime}. */
  target: 'node24',
  // Minified: the bundle is parsed on every cold start, and the authorizer's cold start is paid by
  // the first request of every caller it serves.
  minify: true,
  // Source maps keep stack traces readable (NODE_OPTIONS=--enable-source-maps is set on the function).
  sourceMap: true,
  // The runtime ships the AWS SDK; the authorizer uses none of it, but a transitive import must not
  // drag a second copy into the bundle.
  externalModules: ['@aws-sdk/*'],
} as const;
