import WebSocket from 'ws';

/** The two protocols Mercurius speaks on `/graphql`, with their message names. */
export const PROTOCOLS = {
  'graphql-transport-ws': { subscribe: 'subscribe', next: 'next', stop: 'complete' },
  'graphql-ws': { subscribe: 'start', next: 'data', stop: 'stop' },
} as const;
export type Protocol = keyof typeof PROTOCOLS;

export interface WsMessage {
  id?: string;
  type: string;
  payload?: unknown;
}

export interface WsError {
  message: string;
  extensions?: Record<string, unknown>;
}

/** How an attempt to open a WebSocket ended: open, or refused at the upgrade with a status and body. */
export type Opened = { open: true; client: WsClient } | { open: false; status: number; body: string };

/**
 * A minimal client for either protocol that keeps every message and the close code. `open` resolves after
 * `connection_ack` (or with the refusal of the upgrade).
 */
export class WsClient {
  readonly messages: WsMessage[] = [];
  closed?: { code: number; reason: string };
  private waiters: (() => void)[] = [];

  private constructor(
    readonly socket: WebSocket,
    readonly protocol: Protocol,
  ) {
    socket.on('message', (raw: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) {
        // both protocols speak in text frames: a browser's client could not read a binary one as JSON
        this.messages.push({ type: 'binary frame', payload: raw.toString() });
        this.wake();
        return;
      }
      try {
        this.messages.push(JSON.parse(raw.toString()) as WsMessage);
      } catch {
        this.messages.push({ type: 'unparsable', payload: raw.toString() });
      }
      this.wake();
    });
    socket.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    socket.on('error', () => this.wake());
  }

  static async open(
    baseUrl: string,
    protocol: Protocol,
    options: { headers?: Record<string, string>; init?: Record<string, unknown> } = {},
  ): Promise<Opened> {
    const socket = new WebSocket(baseUrl.replace(/^http/, 'ws') + '/graphql', protocol, {
      headers: options.headers,
    });
    const client = new WsClient(socket, protocol);
    return new Promise<Opened>((resolve, reject) => {
      socket.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ open: false, status: response.statusCode ?? 0, body }));
      });
      socket.once('error', (error) => reject(error));
      socket.once('open', () => {
        socket.send(JSON.stringify({ type: 'connection_init', payload: options.init ?? {} }));
        client
          .waitFor((m) => m.type === 'connection_ack', 15000)
          .then(() => resolve({ open: true, client }), reject);
      });
    });
  }

  /** Opens a connection that must be accepted. */
  static async connect(
    baseUrl: string,
    protocol: Protocol,
    options: { headers?: Record<string, string>; init?: Record<string, unknown> } = {},
  ): Promise<WsClient> {
    const opened = await WsClient.open(baseUrl, protocol, options);
    if (!opened.open) throw new Error(`WebSocket refused: ${opened.status} ${opened.body}`);
    return opened.client;
  }

  subscribe(id: string, query: string, variables: Record<string, unknown> = {}): void {
    this.send({ id, type: PROTOCOLS[this.protocol].subscribe, payload: { query, variables } });
  }

  stop(id: string): void {
    this.send({ id, type: PROTOCOLS[this.protocol].stop });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The errors of the `error` message for `id`, waiting for it. */
  async errorsOf(id: string, timeoutMs = 15000): Promise<WsError[]> {
    const message = await this.waitFor((m) => m.id === id && m.type === 'error', timeoutMs);
    return message.payload as WsError[];
  }

  /** The data messages received for `id`. */
  data(id: string): WsMessage[] {
    return this.messages.filter((m) => m.id === id && m.type === PROTOCOLS[this.protocol].next);
  }

  async waitFor(match: (m: WsMessage) => boolean, timeoutMs = 15000): Promise<WsMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      if (this.closed) throw new Error(`closed (${this.closed.code} ${this.closed.reason}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching message within ${timeoutMs} ms: ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until the server closes the connection; its code and reason. */
  async waitForClose(timeoutMs = 15000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`not closed within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closed;
  }

  close(): void {
    this.socket.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** The bound the hostile suites hold the service process to (idle it is ~150 MiB; docs/RELIABILITY.md). */
export const RSS_BOUND_MIB = 300;

/** The resident set size of a process, in MiB (Linux: /proc/<pid>/status VmRSS). */
export async function rssMiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) / 1024;
}
