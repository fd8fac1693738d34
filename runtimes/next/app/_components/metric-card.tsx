/** One metric: a title, the current value and, when given, a sparkline of its recent values. */
export function MetricCard({ title, value, history }: { title: string; value: string | number; history?: number[] }) {
  return (
    <div className="card metric-card" data-testid={`metric-${title}`}>
      <div className="metric-title">{title}</div>
      <div className="metric-value" data-testid="metric-value">
        {value}
      </div>
      {history && history.length > 1 && <Sparkline values={history} />}
    </div>
  )
}

function Sparkline({ values }: { values: number[] }) {
  const width = 200
  const height = 40
  const min = Math.min(...values)
  const max = Math.max(...values)
  const span = max - min || 1
  const points = values.map((v, i) => [
    (i / (values.length - 1)) * width,
    height - 4 - ((v - min) / span) * (height - 8),
  ])
  const line = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x!.toFixed(1)},${y!.toFixed(1)}`).join(' ')
  return (
    <svg className="sparkline" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" aria-hidden="true">
      <path className="area" d={`${line} L${width},${height} L0,${height} Z`} />
      <path d={line} />
    </svg>
  )
}
