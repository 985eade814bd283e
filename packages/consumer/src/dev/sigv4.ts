import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ProxyRequest } from './proxy';
import type { IamVerifier } from './server';

/** The one set of credentials the dev server trusts for `iam` routes. */
export interface DevCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /**
   * Session token of temporary credentials.
   * @default - none
   */
  readonly sessionToken?: string;
}

// API Gateway refuses a signature whose X-Amz-Date is more than 5 minutes off.
const MAX_SKEW_MS = 5 * 60 * 1000;
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/**
 * Checks the SigV4 signature of a request to an `iam` route as API Gateway would, against the
 * one access key the dev server knows (the caller must sign with the same credentials). Whether
 * the signer may call the route (`execute-api:Invoke` in its IAM policies) is NOT evaluated: that
 * needs IAM itself.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
export async function verifySigV4(
  request: ProxyRequest,
  credentials: DevCredentials,
  now: Date = new Date(),
): ReturnType<IamVerifier> {
  const authorization = request.headers.authorization;
  if (!authorization) return { ok: false, error: 'missingAuthenticationToken' };
  const parsed = AUTHORIZATION.exec(authorization);
  if (!parsed) return { ok: false, error: 'missingAuthenticationToken' };
  const [, accessKeyId, , region, service, signedHeaders, signature] = parsed as unknown as string[];
  if (accessKeyId !== credentials.accessKeyId) return { ok: false, error: 'invalidToken' };
  const amzDate = request.headers['x-amz-date'];
  const signingDate = typeof amzDate === 'string' ? parseAmzDate(amzDate) : undefined;
  if (!signingDate || service !== 'execute-api') return { ok: false, error: 'invalidSignature' };
  if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_SKEW_MS)
    return { ok: false, error: 'signatureExpired' };

  const url = new URL(request.url, 'http://localhost');
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const existing = query[k];
    query[k] = existing === undefined ? v : [...(Array.isArray(existing) ? existing : [existing]), v];
  }
  const headers: Record<string, string> = {};
  for (const name of (signedHeaders as string).split(';')) {
    const value = request.headers[name];
    if (value === undefined) return { ok: false, error: 'invalidSignature' };
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const signer = new SignatureV4({
    credentials,
    region: region as string,
    service: 'execute-api',
    sha256: Sha256,
    // The request is re-signed exactly as received: no checksum header of our own.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: request.headers.host ?? 'localhost',
      path: url.pathname,
      query,
      headers,
      body: request.body.length > 0 ? request.body : undefined,
    },
    { signingDate },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? '';
  if (expected.length !== 64 || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature as string))) {
    return { ok: false, error: 'invalidSignature' };
  }
  return { ok: true, identity: { accessKey: accessKeyId as string, caller: accessKeyId as string } };
}

// 20261127T112000Z
function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as number[];
  return new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second));
}

/** SHA-256 (and HMAC-SHA-256 with a secret) in the shape the Smithy signer takes. */
class Sha256 {
  private readonly hash;

  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }

  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
