'use client'
import { useState } from 'react'
import { useSSE } from 'use-next-sse'
import type { GET } from '../api/events/route'
import { ConnectionBadge } from './connection-badge'
import { Sensor } from './sensor'

/** Counts the events a hook receives (the value alone does not show that a new one came). */
function useCount(): [number, () => void] {
  const [count, setCount] = useState(0)
  return [count, () => setCount((n) => n + 1)]
}

// Client: components/SensorMonitor.tsx, as in the README: three hooks on one URL share one connection.
export function SensorMonitor() {
  const [temperatures, onTemperature] = useCount()
  const [humidities, onHumidity] = useCount()
  const [pressures, onPressure] = useCount()

  // Typed by the route; the second type argument picks the event, so `data` is that event's data.
  const temperature = useSSE<typeof GET, 'temperature'>({
    url: '/api/events',
    eventName: 'temperature',
    onMessage: onTemperature,
  })

  const humidity = useSSE<typeof GET, 'humidity'>({
    url: '/api/events',
    eventName: 'humidity',
    onMessage: onHumidity,
  })

  const pressure = useSSE<typeof GET, 'pressure'>({
    url: '/api/events',
    eventName: 'pressure',
    onMessage: onPressure,
  })

  return (
    <div className="stack">
      <div className="card row" style={{ justifyContent: 'space-between' }}>
        <div className="row">
          <ConnectionBadge state={temperature.connectionState} error={temperature.error} />
          <span className="small muted">
            One <code>EventSource</code> connection to <code>/api/events</code>, three listeners.
          </span>
        </div>
      </div>
      <div className="sensors">
        <Sensor
          label="Temperature"
          value={temperature.data?.temperature}
          unit="°C"
          range={[0, 30]}
          updates={temperatures}
        />
        <Sensor label="Humidity" value={humidity.data?.humidity} unit="%" range={[0, 100]} updates={humidities} />
        <Sensor label="Pressure" value={pressure.data?.pressure} unit="hPa" range={[900, 1900]} updates={pressures} />
      </div>
    </div>
  )
}
