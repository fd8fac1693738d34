'use client'
import { useRef, useState } from 'react'
import { useSSE } from 'use-next-sse'
import type { ModelRun } from '../_lib/model'
import type { POST } from '../api/answer/route'
import { ConnectionBadge } from './connection-badge'

/** One token as the page received it, with when (ms since the run started). */
interface Received {
  text: string
  at: number
}

/** A prompt box and the answer, relayed token by token from the fake model through the answer route. */
export function AnswerPanel() {
  const [prompt, setPrompt] = useState('How do Server-Sent Events stream an answer?')
  const [runtime, setRuntime] = useState<'node' | 'edge'>('node')
  const [run, setRun] = useState<{ id: string; prompt: string; url: string } | null>(null)
  return (
    <section className="card stack">
      <form
        className="row"
        onSubmit={(event) => {
          event.preventDefault()
          setRun({ id: crypto.randomUUID(), prompt, url: runtime === 'edge' ? '/api/answer/edge' : '/api/answer' })
        }}
      >
        <input
          aria-label="Prompt"
          data-testid="prompt"
          value={prompt}
          onChange={(event) => setPrompt(event.target.value)}
          style={{ flex: 1 }}
        />
        <select
          aria-label="Runtime"
          data-testid="runtime"
          value={runtime}
          onChange={(event) => setRuntime(event.target.value as 'node' | 'edge')}
        >
          <option value="node">node</option>
          <option value="edge">edge</option>
        </select>
        <button type="submit" data-testid="ask">
          Ask
        </button>
      </form>
      {run ? <Answer key={run.id} {...run} /> : <div className="empty">Ask, then press Stop in the middle.</div>}
    </section>
  )
}

function Answer({ id, prompt, url }: { id: string; prompt: string; url: string }) {
  const started = useRef(Date.now())
  const [tokens, setTokens] = useState<Received[]>([])
  const [stats, setStats] = useState<ModelRun | null>(null)
  // POST from the hook, typed by the route: the body goes as JSON; a new run is a new body, so a new stream.
  const { connectionState, error, close } = useSSE<typeof POST, 'token'>({
    url,
    method: 'POST',
    body: { prompt, id },
    eventName: 'token',
    onMessage: (token) =>
      setTokens((previous) => [...previous, { text: token.text, at: Date.now() - started.current }]),
  })
  const stop = async () => {
    close()
    // Ask the model what it did: give the abort a moment to travel page → route → model.
    for (let i = 0; i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      const run = (await (await fetch(`/api/model/stats?id=${id}`)).json()) as ModelRun
      setStats(run)
      if (run.aborted || run.done) break
    }
  }
  return (
    <div className="stack" data-testid="answer-panel">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <ConnectionBadge state={connectionState} error={error} />
        <button type="button" onClick={stop} disabled={connectionState === 'closed'} data-testid="stop">
          Stop
        </button>
      </div>
      <p data-testid="answer" data-tokens={tokens.length} data-times={tokens.map((t) => t.at).join(',')}>
        {tokens.map((t) => t.text).join('')}
        {connectionState !== 'closed' && <span className="muted">▍</span>}
      </p>
      {stats && (
        <p
          className="small muted"
          data-testid="model-stats"
          data-after-stop={stats.afterAbort}
          data-aborted={stats.aborted}
        >
          The model produced {stats.produced} tokens; {stats.afterAbort} after the stop
          {stats.aborted ? ' (it saw its request aborted and stopped)' : stats.done ? ' (it had finished)' : ''}.
        </p>
      )}
    </div>
  )
}
