/**
 * The parking system's adapter (停车诱导) — adapters/parking/README.md.
 * In: plate-recognition passes and heartbeats of every lot over MQTT. A pass is an inbound event deduped
 * on the system's message id, counted by src/parking/feed.ts (double reads debounced, the count kept
 * within [0, capacity]) in the transaction of its inbox row; a heartbeat only says the lot's system is
 * alive. After the commit the lot's new count goes to the guidance board at once.
 * Background: the occupancy history sampler (src/parking/history.ts), under a lease.
 * Out: nothing (the signs read the guidance API).
 */
import { HubError } from '../../src/errors.ts';
import {
  boardSettings,
  parkingBoardFor,
  recordHeartbeat,
  recordPass,
  sampleOccupancy,
  type PassOutcome,
} from '../../src/parking/index.ts';
import type { Adapter, AdapterDeps } from '../framework/types.ts';
import { heartbeatSchema, parseTopic, passSchema } from './mapping.ts';
import { subscribeParkingFeed, type ParkingFeed } from './transport.ts';

export const PARKING_ADAPTER = 'parking';

export interface ParkingSettings {
  mqttUrl: string;
  topicPrefix: string;
  /** MQTT client id of the hub's persistent session */
  mqttClientId: string;
  debounceSeconds: number;
  historyMinutes: number;
  historyDays: number;
  /** how often the history sampler runs, ms (default a minute: a bucket is written early in its span) */
  sampleEveryMs?: number;
}

export function createParkingAdapter(deps: AdapterDeps & { settings: ParkingSettings }): Adapter {
  const s = deps.settings;
  const log = deps.logger.child({ adapter: PARKING_ADAPTER });
  const board = parkingBoardFor(deps.db, boardSettings(deps.config), deps.logger);
  let feed: ParkingFeed | undefined;

  return {
    name: PARKING_ADAPTER,
    title: '停车诱导系统',
    receives: [
      {
        kind: 'subscription',
        name: 'passes',
        async subscribe(deliver) {
          feed = await subscribeParkingFeed({
            url: s.mqttUrl,
            topicPrefix: s.topicPrefix,
            clientId: s.mqttClientId,
            async onMessage(topic, payload) {
              const where = parseTopic(topic, s.topicPrefix);
              let body: unknown;
              try {
                body = JSON.parse(payload.toString('utf8'));
              } catch {
                body = undefined;
              }
              // Nobody to answer on MQTT: an unreadable message is logged and acknowledged (a redelivery
              // would not parse either).
              if (where?.kind === 'heartbeat') {
                const beat = heartbeatSchema.safeParse(body);
                if (!beat.success || beat.data.lotCode !== where.lotCode) {
                  log.warn({ topic }, 'unreadable parking heartbeat dropped');
                  return;
                }
                const lot = await recordHeartbeat(deps.db.prisma, where.lotCode, new Date());
                if (lot) board.update(lot);
                else log.warn({ lotCode: where.lotCode }, 'heartbeat of a parking lot the hub does not know');
                return;
              }
              const pass = passSchema.safeParse(body);
              if (!where || !pass.success || pass.data.lotCode !== where.lotCode) {
                log.warn({ topic }, 'unreadable parking pass dropped');
                return;
              }
              const p = pass.data;
              let outcome: PassOutcome | undefined;
              try {
                const result = await deliver({
                  sourceId: p.msgId,
                  payload: p,
                  async apply(tx) {
                    outcome = await recordPass(
                      tx,
                      { lotCode: p.lotCode, plate: p.plate, direction: p.direction, at: new Date(p.at) },
                      {
                        debounceSeconds: s.debounceSeconds,
                        historyMinutes: s.historyMinutes,
                        now: new Date(),
                      },
                    );
                    return {
                      status: outcome.counted ? 'processed' : 'ignored',
                      note: outcome.why ?? `${outcome.lot.capacity - outcome.lot.occupied} free`,
                    };
                  },
                });
                if (result.result === 'duplicate' || !outcome) return;
                board.update(outcome.lot);
                if (outcome.drift)
                  log.warn(
                    {
                      lotCode: p.lotCode,
                      direction: p.direction,
                      msgId: p.msgId,
                      count: outcome.drift.raw,
                      kept: outcome.drift.kept,
                      capacity: outcome.lot.capacity,
                    },
                    'parking count kept within [0, capacity]: the lot’s cameras missed a pass',
                  );
              } catch (err) {
                if (err instanceof HubError && err.status === 400) {
                  log.warn({ lotCode: p.lotCode, msgId: p.msgId, err: err.message }, 'parking pass refused');
                  return;
                }
                throw err;
              }
            },
          });
          return {
            close: async () => {
              await feed?.close();
              feed = undefined;
            },
          };
        },
      },
    ],
    sends: {},
    async health() {
      if (!feed?.connected()) throw new Error('not connected to the parking system’s MQTT broker');
    },
    start(runtime) {
      runtime.every('parking-history', s.sampleEveryMs ?? 60_000, async () => {
        const r = await sampleOccupancy(deps.db, board, {
          now: new Date(),
          historyMinutes: s.historyMinutes,
          historyDays: s.historyDays,
        });
        if (r.deleted) log.info({ deleted: r.deleted }, 'old parking history deleted');
      });
    },
  };
}
