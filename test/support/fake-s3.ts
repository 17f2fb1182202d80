import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small S3 on 127.0.0.1 for tests: path-style REST (`/bucket/key`), the subset the AWS SDK v3
 * uses for buckets and objects, with AWS Signature V4 header authentication checked for real
 * (canonical request → string to sign → HMAC chain with the configured secret), so wrong
 * credentials fail exactly as on S3. Objects live in memory.
 *
 * Supported: CreateBucket, HeadBucket, PutObject (If-None-Match: *, x-amz-checksum-sha256,
 * Content-MD5, x-amz-meta-*), GetObject, HeadObject, DeleteObject, ListObjectsV2; S3's XML errors.
 * Test controls: `corrupt()` changes stored bytes behind the client's back, `failNext()` answers
 * the next requests with 500/503.
 */
export interface FakeS3Options {
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly region?: string;
  /** Buckets that exist from the start. */
  readonly buckets?: readonly string[];
}

export interface FakeS3Object {
  body: Buffer;
  readonly contentType: string;
  readonly metadata: Record<string, string>;
  readonly etag: string;
  readonly lastModified: Date;
  readonly checksumSha256: string | null;
}

export interface FakeS3Request {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

const MAX_CLOCK_SKEW_MS = 15 * 60_000;
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly s3Code: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class FakeS3 {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  readonly buckets = new Map<string, Map<string, FakeS3Object>>();
  readonly requests: FakeS3Request[] = [];
  private failures: { count: number; status: 500 | 503 } = { count: 0, status: 503 };
  private server: Server | null = null;
  private port = 0;

  constructor(options: FakeS3Options = {}) {
    this.accessKeyId = options.accessKeyId ?? 'AKIAFAKES3TEST000001';
    this.secretAccessKey = options.secretAccessKey ?? randomBytes(30).toString('base64');
    this.region = options.region ?? 'us-east-1';
    for (const bucket of options.buckets ?? []) this.buckets.set(bucket, new Map());
  }

  get endpoint(): string {
    if (!this.server) throw new Error('FakeS3 is not started');
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answers the next `count` requests with `status` (503 SlowDown or 500 InternalError) before looking at them. */
  failNext(count: number, status: 500 | 503 = 503): void {
    this.failures = { count, status };
  }

  /** Replaces the stored bytes of an object (default: flips one bit in the middle), keeping its metadata and ETag. */
  corrupt(bucket: string, key: string, mutate: (body: Buffer) => Buffer = flipMiddleBit): void {
    const object = this.buckets.get(bucket)?.get(key);
    if (!object) throw new Error(`FakeS3: no object ${bucket}/${key}`);
    object.body = mutate(Buffer.from(object.body));
  }

  object(bucket: string, key: string): FakeS3Object | undefined {
    return this.buckets.get(bucket)?.get(key);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    const rawUrl = req.url ?? '/';
    const [rawPath = '/', rawQuery = ''] = splitOnce(rawUrl, '?');
    let status = 500;
    try {
      const body = await readBody(req);
      if (this.failures.count > 0) {
        this.failures.count -= 1;
        const failure = this.failures.status;
        throw new S3Error(failure, failure === 503 ? 'SlowDown' : 'InternalError', failure === 503 ? 'Please reduce your request rate.' : 'We encountered an internal error. Please try again.');
      }
      this.authenticate(req, rawPath, rawQuery, body);
      status = this.route(req, res, rawPath, new URLSearchParams(rawQuery), body, requestId);
    } catch (err) {
      const error = err instanceof S3Error ? err : new S3Error(500, 'InternalError', (err as Error).message);
      status = error.status;
      sendError(req, res, error, rawPath, requestId);
    } finally {
      this.requests.push({ method: req.method ?? '', path: rawPath, status, headers: req.headers });
    }
  }

  /** AWS SigV4 with the signature in the Authorization header (what the SDK sends). */
  private authenticate(req: IncomingMessage, rawPath: string, rawQuery: string, body: Buffer): void {
    const authorization = header(req, 'authorization');
    const parsed = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/.exec(authorization ?? '');
    if (!parsed) throw new S3Error(403, 'AccessDenied', 'Access Denied (expected an AWS4-HMAC-SHA256 Authorization header)');
    const [, accessKeyId, date, region, service, signedHeadersText, signature] = parsed as unknown as [string, string, string, string, string, string, string];
    if (accessKeyId !== this.accessKeyId) throw new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
    if (service !== 's3') throw new S3Error(400, 'AuthorizationHeaderMalformed', `service ${service} is not s3`);
    if (region !== this.region) throw new S3Error(400, 'AuthorizationHeaderMalformed', `the region '${region}' is wrong; expecting '${this.region}'`, { Region: this.region });

    const amzDate = header(req, 'x-amz-date');
    if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== date) throw new S3Error(403, 'AccessDenied', 'missing or malformed x-amz-date');
    const signedAt = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
    if (Math.abs(Date.now() - signedAt) > MAX_CLOCK_SKEW_MS) throw new S3Error(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');

    const payloadHash = header(req, 'x-amz-content-sha256');
    if (!payloadHash) throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
    if (payloadHash.startsWith('STREAMING-')) throw new S3Error(501, 'NotImplemented', 'aws-chunked uploads are not supported by the fake');
    if (payloadHash !== 'UNSIGNED-PAYLOAD') {
      if (!/^[0-9a-f]{64}$/.test(payloadHash)) throw new S3Error(400, 'InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a SHA-256 hex digest');
      const actual = body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(body).digest('hex');
      if (actual !== payloadHash) throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }

    const signedHeaders = signedHeadersText.split(';');
    if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) throw new S3Error(403, 'AccessDenied', 'host and x-amz-date must be signed');
    const canonicalHeaders = signedHeaders.map((name) => `${name}:${canonicalHeaderValue(req.headers[name])}\n`).join('');
    const canonicalRequest = [req.method ?? 'GET', rawPath, canonicalQuery(rawQuery), canonicalHeaders, signedHeadersText, payloadHash].join('\n');
    const scope = `${date}/${region}/${service}/aws4_request`;
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
    const signingKey = [date, region, service, 'aws4_request'].reduce<Buffer>((key, part) => hmac(key, part), Buffer.from(`AWS4${this.secretAccessKey}`));
    const expected = hmac(signingKey, stringToSign);
    const given = Buffer.from(signature, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new S3Error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    }
  }

  private route(req: IncomingMessage, res: ServerResponse, rawPath: string, query: URLSearchParams, body: Buffer, requestId: string): number {
    const path = decodeURIComponent(rawPath);
    const slash = path.indexOf('/', 1);
    const bucketName = slash === -1 ? path.slice(1) : path.slice(1, slash);
    const key = slash === -1 ? '' : path.slice(slash + 1);
    const method = req.method ?? 'GET';
    if (bucketName === '') throw new S3Error(501, 'NotImplemented', 'ListBuckets is not supported by the fake');
    res.setHeader('x-amz-request-id', requestId);

    if (key === '') {
      if (method === 'PUT') {
        if (this.buckets.has(bucketName)) throw new S3Error(409, 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', { BucketName: bucketName });
        this.buckets.set(bucketName, new Map());
        res.setHeader('Location', `/${bucketName}`);
        return end(res, 200);
      }
      const bucket = this.bucket(bucketName);
      if (method === 'HEAD') return end(res, 200);
      if (method === 'GET' && query.get('list-type') === '2') return this.listObjectsV2(res, bucketName, bucket, query);
      throw new S3Error(501, 'NotImplemented', `${method} on a bucket is not supported by the fake`);
    }

    const bucket = this.bucket(bucketName);
    switch (method) {
      case 'PUT': {
        if (query.has('uploads') || query.has('uploadId') || header(req, 'x-amz-copy-source')) throw new S3Error(501, 'NotImplemented', 'multipart and copy are not supported by the fake');
        if (header(req, 'if-none-match') === '*' && bucket.has(key)) throw new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' });
        const md5 = header(req, 'content-md5');
        if (md5 && createHash('md5').update(body).digest('base64') !== md5) throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
        const checksum = header(req, 'x-amz-checksum-sha256') ?? null;
        if (checksum && createHash('sha256').update(body).digest('base64') !== checksum) throw new S3Error(400, 'BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
        const metadata: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name.slice('x-amz-meta-'.length)] = value;
        const etag = `"${createHash('md5').update(body).digest('hex')}"`;
        bucket.set(key, { body, contentType: header(req, 'content-type') ?? 'binary/octet-stream', metadata, etag, lastModified: new Date(), checksumSha256: checksum });
        res.setHeader('ETag', etag);
        if (checksum) res.setHeader('x-amz-checksum-sha256', checksum);
        return end(res, 200);
      }
      case 'GET':
      case 'HEAD': {
        const object = bucket.get(key);
        if (!object) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
        res.setHeader('Content-Type', object.contentType);
        res.setHeader('Content-Length', String(object.body.length));
        res.setHeader('ETag', object.etag);
        res.setHeader('Last-Modified', object.lastModified.toUTCString());
        for (const [name, value] of Object.entries(object.metadata)) res.setHeader(`x-amz-meta-${name}`, value);
        res.writeHead(200);
        res.end(method === 'GET' ? object.body : undefined);
        return 200;
      }
      case 'DELETE':
        bucket.delete(key);
        return end(res, 204);
      default:
        throw new S3Error(405, 'MethodNotAllowed', `${method} is not allowed on an object`);
    }
  }

  private bucket(name: string): Map<string, FakeS3Object> {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: name });
    return bucket;
  }

  private listObjectsV2(res: ServerResponse, name: string, bucket: Map<string, FakeS3Object>, query: URLSearchParams): number {
    const prefix = query.get('prefix') ?? '';
    const maxKeys = Math.min(1000, Number(query.get('max-keys') ?? 1000));
    const after = query.get('continuation-token') ?? query.get('start-after') ?? '';
    const keys = [...bucket.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
    const page = keys.slice(0, maxKeys);
    const truncated = keys.length > page.length;
    const contents = page
      .map((k) => {
        const o = bucket.get(k)!;
        return `<Contents><Key>${xml(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xml(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join('');
    const token = truncated ? `<NextContinuationToken>${xml(page.at(-1)!)}</NextContinuationToken>` : '';
    const doc = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xml(name)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${token}</ListBucketResult>`;
    res.setHeader('Content-Type', 'application/xml');
    res.writeHead(200);
    res.end(doc);
    return 200;
  }
}

function sendError(req: IncomingMessage, res: ServerResponse, error: S3Error, resource: string, requestId: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.setHeader('x-amz-request-id', requestId);
  if (req.method === 'HEAD') {
    // HEAD responses have no body; the SDK infers the error from the status.
    res.writeHead(error.status);
    res.end();
    return;
  }
  const extra = Object.entries(error.extra)
    .map(([k, v]) => `<${k}>${xml(v)}</${k}>`)
    .join('');
  const doc = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.s3Code}</Code><Message>${xml(error.message)}</Message>${extra}<Resource>${xml(resource)}</Resource><RequestId>${requestId}</RequestId></Error>`;
  res.setHeader('Content-Type', 'application/xml');
  res.writeHead(error.status);
  res.end(doc);
}

function end(res: ServerResponse, status: number): number {
  res.writeHead(status);
  res.end();
  return status;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** SigV4: trimmed, inner runs of spaces collapsed; repeated headers joined with commas. */
function canonicalHeaderValue(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return text.trim().replace(/\s+/g, ' ');
}

/** SigV4: every parameter RFC 3986-encoded, sorted by name then value; `?a` is `a=`. */
function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  return rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const [k = '', v = ''] = splitOnce(p, '=');
      return [rfc3986(decodeURIComponent(k.replace(/\+/g, ' '))), rfc3986(decodeURIComponent(v.replace(/\+/g, ' ')))] as const;
    })
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator);
  return at === -1 ? [text] : [text.slice(0, at), text.slice(at + separator.length)];
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function flipMiddleBit(body: Buffer): Buffer {
  if (body.length === 0) return Buffer.from([0]);
  const at = Math.floor(body.length / 2);
  body[at] = body[at]! ^ 0x01;
  return body;
}
