/**
 * What one server replica tells the others sharing its PostgreSQL database: committed file
 * changes and cell events, so that a socket on any replica hears of a change made through
 * any other, and the replica running a workspace's cell writes a save made elsewhere into
 * it. PostgreSQL's LISTEN/NOTIFY carries them; with PGlite (one process) there are no
 * other replicas and no bus. Delivery is at most once: a replica that loses its
 * listening connection misses what was sent until it is back (and logs it), as a socket
 * misses what happens while it reconnects.
 */
import { randomUUID } from 'node:crypto';

import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';

import { parseBoundedJson } from '@workcell/protocol';

import type { Db } from '../store/database';

export type BusTopic = 'file' | 'cell';
type Handler = (message: unknown) => void;

export interface ReplicaBus extends AsyncDisposable {
  /** Resolves once this replica listens, so nothing published after it is missed. */
  readonly ready: Promise<void>;
  /** Sends `messages` (JSON) to every other replica's subscribers of `topic`. */
  publish(topic: BusTopic, messages: unknown[]): Promise<void>;
  subscribe(topic: BusTopic, handler: Handler): () => void;
}

const CHANNEL = 'workcell_replicas';
/** NOTIFY's payload limit is 8000 bytes. */
const MAX_PAYLOAD_BYTES = 7900;
/** The envelope around a batch: the replica id, the topic and the brackets. */
const ENVELOPE_BYTES = 100;
const RECONNECT_MS = [100, 500, 2000, 5000];

export class PostgresReplicaBus implements ReplicaBus {
  readonly ready: Promise<void>;
  private readonly replicaId = randomUUID();
  private readonly handlers = new Map<BusTopic, Set<Handler>>();
  private client: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly connectionString: string,
    private readonly log: FastifyBaseLogger,
  ) {
    this.ready = this.listen();
    this.ready.catch(() => undefined);
  }

  /** As few notifications as the payload limit allows; a message too large alone is dropped. */
  async publish(topic: BusTopic, messages: unknown[]): Promise<void> {
    let batch: string[] = [];
    let bytes = 0;
    const send = async () => {
      if (batch.length === 0) return;
      const payload = `{"from":"${this.replicaId}","topic":"${topic}","messages":[${batch.join(',')}]}`;
      batch = [];
      bytes = 0;
      await sql`SELECT pg_notify(${CHANNEL}, ${payload})`.execute(this.db);
    };
    for (const message of messages) {
      const json = JSON.stringify(message);
      const size = Buffer.byteLength(json) + 1;
      if (size > MAX_PAYLOAD_BYTES - ENVELOPE_BYTES) {
        this.log.warn(
          { topic, bytes: size },
          'a message too large for the replica bus was dropped',
        );
        continue;
      }
      if (bytes + size > MAX_PAYLOAD_BYTES - ENVELOPE_BYTES) await send();
      batch.push(json);
      bytes += size;
    }
    await send();
  }

  subscribe(topic: BusTopic, handler: Handler): () => void {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('notification', ({ payload }) => this.receive(payload));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
    this.attempts = 0;
  }

  private lost(client: pg.Client, error?: Error): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    this.log.warn(
      { err: error },
      'lost the replica bus; events from other replicas are missed until it is back',
    );
    void client.end().catch(() => undefined);
    this.reconnect();
  }

  private reconnect(): void {
    const delay = RECONNECT_MS[Math.min(this.attempts++, RECONNECT_MS.length - 1)];
    this.reconnectTimer = setTimeout(() => {
      if (this.closed) return;
      this.listen().catch((error: unknown) => {
        this.log.warn({ err: error }, 'the replica bus could not reconnect');
        this.reconnect();
      });
    }, delay);
  }

  private receive(payload: string | undefined): void {
    if (payload === undefined) return;
    let envelope: { from?: unknown; topic?: unknown; messages?: unknown };
    try {
      envelope = parseBoundedJson(payload) as typeof envelope;
    } catch {
      return;
    }
    if (envelope.from === this.replicaId || !Array.isArray(envelope.messages)) return;
    const handlers = this.handlers.get(envelope.topic as BusTopic);
    for (const message of envelope.messages) for (const handler of handlers ?? []) handler(message);
  }
}
