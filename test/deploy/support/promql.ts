/** Grafana's built-in interval variables, replaced by a plain duration before parsing. */
const GRAFANA_DURATIONS = /\$(__rate_interval|__interval|__range|__interval_ms|__range_s)\b|\$\{(__rate_interval|__interval|__range)\}/g;
/** Dashboard variables: only ever used inside label-matcher strings here. */
const GRAFANA_VARIABLES = /\$\{[A-Za-z_][A-Za-z0-9_]*(?::[a-z]+)?\}|\$[A-Za-z_][A-Za-z0-9_]*/g;

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan', 'atan2']);
/** Aggregation operators may be followed by a by/without clause instead of their parenthesis. */
const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);

/** The expression with Grafana's variables replaced so that Prometheus can parse it. */
export function substituteGrafanaVariables(expr: string): string {
  return expr.replace(GRAFANA_DURATIONS, '5m').replace(GRAFANA_VARIABLES, '.*');
}

/** Names of the variables (without `$`) an expression uses, built-ins excluded. */
export function variablesIn(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const name = m[1] ?? m[2]!;
    if (!name.startsWith('__')) names.add(name);
  }
  return [...names];
}

/**
 * Metric (series) names referenced by a PromQL expression: identifiers that are not functions,
 * keywords, label names (inside {…} or by/on/… lists), strings or durations. The expression is
 * assumed to be valid PromQL (promtool checks that separately).
 */
export function metricNamesIn(expr: string): string[] {
  const text = substituteGrafanaVariables(expr)
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' $1 ');
  const names = new Set<string>();
  for (const m of text.matchAll(/(?<![A-Za-z0-9_:.])([A-Za-z_:][A-Za-z0-9_:]*)(?![A-Za-z0-9_:])(?!\s*\()/g)) {
    const name = m[1]!;
    if (!KEYWORDS.has(name.toLowerCase()) && !AGGREGATIONS.has(name)) names.add(name);
  }
  return [...names];
}
