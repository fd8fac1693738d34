import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, startGuarded, waitForHttp } from '../../runtimes/harness/process'
import { locate } from '../../scripts/system.mjs'

/**
 * A real nginx load balancer on loopback, round-robin over `upstreams`. Proxy buffering is left at
 * nginx's default (on): the SSE responses must turn it off themselves with `X-Accel-Buffering: no`.
 */
export async function startNginx(upstreams: number[]) {
  const dir = mkdtempSync(join(tmpdir(), 'sse-nginx-'))
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub))
  const port = await freePort()
  const conf = `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream app {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection '';
      proxy_read_timeout 1h;
    }
  }
}
`
  writeFileSync(join(dir, 'nginx.conf'), conf)
  const proc = startGuarded(locate('nginx'), ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')])
  const url = `http://127.0.0.1:${port}`
  await waitForHttp(`${url}/health`, proc, 15_000)
  return {
    url,
    port,
    async stop() {
      await proc.kill()
      rmSync(dir, { recursive: true, force: true })
    },
    output: () => proc.output(),
  }
}
