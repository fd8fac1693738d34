/** One reading: its label, value and unit, and a gauge over the sensor's range. */
export function Sensor({
  label,
  value,
  unit,
  range,
  updates,
}: {
  label: string
  value: number | undefined
  unit: string
  range: [number, number]
  updates: number
}) {
  const [min, max] = range
  const percent = value === undefined ? 0 : Math.max(0, Math.min(100, ((value - min) / (max - min)) * 100))
  return (
    <div className="card sensor" data-testid={`sensor-${label}`}>
      <div className="sensor-label">{label}</div>
      <div>
        <span className="sensor-value" data-testid="sensor-value">
          {value === undefined ? '–' : value.toFixed(1)}
        </span>
        <span className="sensor-unit">{unit}</span>
      </div>
      <div className="gauge" aria-hidden="true">
        <div style={{ width: `${percent}%` }} />
      </div>
      <p className="note">
        <span data-testid="sensor-updates">{updates}</span> update{updates === 1 ? '' : 's'}
      </p>
    </div>
  )
}
