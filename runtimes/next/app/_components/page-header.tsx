import type { ReactNode } from 'react'

/** A demo page's title, what it shows, and the server routes it reads. */
export function PageHeader({ title, lead, routes }: { title: string; lead: ReactNode; routes: string[] }) {
  return (
    <div className="page-header">
      <a className="back" href="/">
        ← All examples
      </a>
      <h1>{title}</h1>
      <p className="lead">{lead}</p>
      <div className="chips">
        {routes.map((route) => {
          const [path, runtime] = route.split(' · ')
          return (
            <span className="chip" key={route}>
              GET <code>{path}</code> {runtime}
            </span>
          )
        })}
      </div>
    </div>
  )
}
