import { AnswerPanel } from '../_components/answer'
import { PageHeader } from '../_components/page-header'

export default function AnswerPage() {
  return (
    <>
      <PageHeader
        title="Streaming an answer"
        lead={
          <>
            The hook POSTs a prompt; the route relays a model’s tokens from its own SSE stream (a fake model in this
            app, no network) as they arrive. <strong>Stop</strong> aborts every hop: the page’s request, the route’s{' '}
            <code>signal</code>, the upstream fetch; the model then says how many tokens it produced after the stop.
          </>
        }
        routes={['POST /api/answer · node', 'POST /api/answer/edge · edge', 'POST /api/model · node']}
      />
      <AnswerPanel />
    </>
  )
}
