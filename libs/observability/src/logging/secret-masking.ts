/**
 * Last line of defence against secrets in logs: whatever the redact paths miss (a key pasted into
 * an error message, a connection string in a stack trace), the serialized line is scanned for the
 * VALUES of the secrets this process was given, and each occurrence is replaced by `***`.
 */

export const MASK = '***';
/** Shorter values would match innocent text (and could land outside a JSON string). */
export const MIN_SECRET_LENGTH = 6;

const url = (text: string | undefined): URL | null => {
  if (!text) return null;
  try {
    return new URL(text);
  } catch {
    return null;
  }
};

/** The secret values in an environment: API keys, S3 secret, passwords of DATABASE_URL and REDIS_URL. */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const secrets: string[] = [];
  const add = (value: string | undefined) => {
    if (value) secrets.push(value);
  };
  add(env.TRADER_API_KEY);
  for (const entry of (env.TRADER_API_KEYS ?? '').split(',')) {
    // name:role:key, the key may itself contain ':'
    const parts = entry.trim().split(':');
    if (parts.length >= 3) add(parts.slice(2).join(':'));
  }
  add(env.AWS_SECRET_ACCESS_KEY);
  add(env.AWS_SESSION_TOKEN);
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'TM_TEST_POSTGRES_URL']) add(url(env[name])?.password);
  return secrets;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Builds the masking function once: every form a secret can take in a JSON log line (raw,
 * JSON-escaped, URL-encoded and URL-decoded) in one alternation, longest first so that a secret
 * containing another is masked whole.
 */
export function secretMasker(secrets: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    const variants = [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
    try {
      variants.push(decodeURIComponent(secret));
    } catch {
      // not URL-encoded
    }
    for (const v of variants) if (v.length >= MIN_SECRET_LENGTH) forms.add(v);
  }
  if (forms.size === 0) return (text) => text;
  const pattern = new RegExp([...forms].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(pattern, MASK);
}

/** A pino destination that masks secrets in every serialized line before writing it. */
export function maskingDestination(secrets: readonly string[], out: { write(chunk: string): unknown } = process.stdout): { write(chunk: string): void } {
  const mask = secretMasker(secrets);
  return {
    write(chunk: string) {
      out.write(mask(chunk));
    },
  };
}
