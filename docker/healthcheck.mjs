// Docker HEALTHCHECK for the trader image: exit 0 when /health/live answers 200 within the timeout.
// Node instead of curl/wget, which the slim base image does not have.
const port = process.env.TRADER_PORT || '3000';
const controller = new AbortController();
const timer = setTimeout(() => controller.abort(), Number(process.env.TM_HEALTHCHECK_TIMEOUT_MS || 4000));
try {
  const res = await fetch(`http://127.0.0.1:${port}/health/live`, { signal: controller.signal });
  process.exitCode = res.status === 200 ? 0 : 1;
  if (res.status !== 200) console.error(`/health/live answered ${res.status}`);
} catch (err) {
  console.error(`/health/live unreachable: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
}
