import * as path from 'node:path';

/**
 * How the shared JWT authorizer is bundled, in one place so the construct and the benchmark
 * (`scripts/bench-authorizer.ts`) measure and ship the same bundle.
 */
export const JWT_AUTHORIZER_BUNDLING = {
  /** The handler's source file. */
  entry: path.join(__dirname, '..', '..', 'functions', 'authorizer', 'handler.ts'),
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
