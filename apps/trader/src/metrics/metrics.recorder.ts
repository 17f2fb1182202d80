/** Moved to libs/observability; kept so older imports keep compiling. */
export { MetricsRecorder } from '@lib/observability';
