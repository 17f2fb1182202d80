/** A Redis adapter failure with a stable code (`REDIS.BAD_URL`, `REDIS.OUTBOX_OVERFLOW`, ...). */
export class RedisAdapterError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RedisAdapterError';
  }
}
