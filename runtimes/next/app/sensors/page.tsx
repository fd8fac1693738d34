import { PageHeader } from '../_components/page-header'
import { SensorMonitor } from '../_components/sensor-monitor'

export default function SensorsPage() {
  return (
    <>
      <PageHeader
        title="Multi-sensor monitor"
        lead={
          <>
            The README’s sensor monitor: the route sends <code>temperature</code> every second, <code>humidity</code>{' '}
            every two and <code>pressure</code> every three, on one stream. Three <code>useSSE</code> hooks with the
            same URL and different event names share exactly one connection.
          </>
        }
        routes={['/api/events · node']}
      />
      <SensorMonitor />
    </>
  )
}
