import { demos } from './_components/demos'
import { Icon } from './_components/icon'
import { ServerPulse } from './_components/server-pulse'

export default function Home() {
  return (
    <>
      <section className="hero">
        <h1>Server-Sent Events, live</h1>
        <p>
          Each page below is one example of the use-next-sse README, running here with its server route written as the
          README writes it: <code>createSSEHandler</code> on the server, <code>useSSE</code> in the browser.
        </p>
        <ServerPulse />
      </section>
      <div className="demo-grid">
        {demos.map((demo) => (
          <a className="card demo-card" href={demo.href} key={demo.href}>
            <h2>
              <span className="demo-icon">
                <Icon name={demo.icon} />
              </span>
              {demo.title}
            </h2>
            <p>{demo.description}</p>
            <div className="chips">
              {demo.routes.map((route) => (
                <span className="chip" key={route}>
                  <code>{route.split(' · ')[0]}</code> {route.split(' · ')[1]}
                </span>
              ))}
            </div>
          </a>
        ))}
      </div>
    </>
  )
}
