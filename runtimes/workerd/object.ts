// The contract app inside a Durable Object: the Worker forwards every request to one object, whose
// `fetch` runs the handlers, so the streams the contract reads are held by the object and cross the
// Worker on their way out, as a ChannelObject's subscribers' do. (object.test.ts)
import { DurableObject } from 'cloudflare:workers'
import { handle } from '../contract/app'

export class ContractObject extends DurableObject<{ CONTRACT_VAR: string }> {
  override fetch(request: Request): Response | Promise<Response> {
    return handle(request, this.env, this.ctx)
  }
}

interface Env {
  CONTRACT: {
    idFromName(name: string): unknown
    get(id: unknown): { fetch(request: Request): Promise<Response> }
  }
}

export default {
  fetch: (request: Request, env: Env) => env.CONTRACT.get(env.CONTRACT.idFromName('contract')).fetch(request),
}
