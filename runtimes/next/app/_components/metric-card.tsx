/** A sample of one metric: when it was taken (ms since the epoch) and its value. */
export type Point = readonly [at: number, value: number]

/** The chart's window: the last minute, whatever the sampling rate. */
const WINDOW = 60_000

/** One metric: a title, the current value and, when given, a live chart of its last minute. */
export function MetricCard({ title, value, history }: { title: string; value: string | number; history?: Point[] }) {
  return (
    <div className="card metric-card" data-testid={`metric-${title}`}>
      <div className="metric-title">{title}</div>
      <div className="metric-value" data-testid="metric-value">
        {value}
      </div>
      {history && history.length > 1 && <Chart points={history} title={title} />}
    </div>
  )
}

/**
 * The last minute of samples as an inline SVG: time on x (the newest sample at the right edge), the
 * value on y between the window's lowest and highest, labelled, with the newest point marked. No chart
 * library: a path and a few labels are all it takes.
 */
function Chart({ points, title }: { points: Point[]; title: string }) {
  const width = 240
  const height = 64
  const pad = 6
  const now = points.at(-1)![0]
  const shown = points.filter(([at]) => at >= now - WINDOW)
  const values = shown.map(([, v]) => v)
  const min = Math.min(...values)
  const max = Math.max(...values)
  const span = max - min || 1
  const x = (at: number) => width - ((now - at) / WINDOW) * width
  const y = (v: number) => height - pad - ((v - min) / span) * (height - 2 * pad)
  const line = shown.map(([at, v], i) => `${i === 0 ? 'M' : 'L'}${x(at).toFixed(1)},${y(v).toFixed(1)}`).join(' ')
  const first = x(shown[0]![0]).toFixed(1)
  const [lastAt, lastValue] = shown.at(-1)!
  const round = (v: number) => String(Math.round(v * 100) / 100)
  return (
    <figure className="chart" data-testid="chart" data-points={shown.length}>
      <svg
        className="sparkline"
        viewBox={`0 0 ${width} ${height}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`${title} over the last minute: from ${round(min)} to ${round(max)}`}
      >
        <path className="area" d={`${line} L${width},${height} L${first},${height} Z`} />
        <path d={line} />
        <circle className="latest" cx={x(lastAt)} cy={y(lastValue)} r={3} />
      </svg>
      <figcaption className="chart-axis small muted">
        <span>−60 s</span>
        <span data-testid="chart-range">
          {round(min)} – {round(max)}
        </span>
        <span>now</span>
      </figcaption>
    </figure>
  )
}
