import Counter from '../_components/counter'
import { PageHeader } from '../_components/page-header'

export default function CounterPage() {
  return (
    <>
      <PageHeader
        title="SSE Counter Example"
        lead={
          <>
            The README’s basic counter: the route sends <code>{'{ count }'}</code> as a <code>counter</code> event every
            second and calls <code>close()</code> after ten. The same route file runs on the Node.js runtime and, with{' '}
            <code>export const runtime = &apos;edge&apos;</code>, on the Edge runtime.
          </>
        }
        routes={['/api/sse · node', '/api/sse/edge · edge']}
      />
      <div className="grid-2">
        <Counter url="/api/sse" runtime="Node.js" id="node" />
        <Counter url="/api/sse/edge" runtime="Edge" id="edge" />
      </div>
    </>
  )
}
