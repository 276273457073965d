/**
 * Simulator of the police video-analytics platform (公安视频): its cameras raise AI alarms (店外经营,
 * 暴露垃圾, 违停 …) by pushing a signed webhook to the hub; it serves each alarm's snapshot over HTTP and
 * plays announcements on the speaker columns (音柱) next to its cameras. Faults: down, slow, 500s on its
 * own HTTP side (snapshots, speakers), and duplicates (every alarm pushed twice).
 */
import { randomUUID } from 'node:crypto';
import { signedHeaders } from '../../framework/signature.ts';
import { fakeJpeg, startSimHttp, type HttpFaults, type SimHttpServer } from '../../sim-http.ts';

export interface Camera {
  cameraId: string;
  name: string;
  lng: number;
  lat: number;
  /** speaker column (音柱) next to the camera, if any */
  speakerId: string | null;
}

/** One alarm as the platform pushes it (the webhook body). */
export interface VideoAlarm {
  alarmId: string;
  cameraId: string;
  /** the platform's algorithm name: 店外经营, 暴露垃圾, 违停, 游商, 垃圾满溢, … */
  alarmType: string;
  /** ISO 8601 with offset */
  at: string;
  /** 0..1 confidence of the algorithm */
  confidence: number;
  lng: number;
  lat: number;
  snapshotUrl: string;
  speakerId: string | null;
  cameraName: string;
}

export interface Announcement {
  speakerId: string;
  requestId: string;
  text: string;
  repeat: number;
  at: string;
}

export interface VideoSimulator {
  readonly url: string;
  readonly http: SimHttpServer;
  readonly faults: HttpFaults & { duplicates: boolean };
  /** Where alarms are pushed and the shared secret. */
  target: { url: string; secret: string } | null;
  readonly announcements: Announcement[];
  /** An alarm of `camera` (not sent). */
  alarm(camera: Camera, alarmType: string, at?: Date): VideoAlarm;
  /** Pushes the alarm (twice under duplicates); answers the hub's status and body of each push. */
  push(alarm: VideoAlarm): Promise<{ status: number; body: unknown }[]>;
  close(): Promise<void>;
}

export async function startVideoSimulator(options: { port?: number } = {}): Promise<VideoSimulator> {
  const announcements: Announcement[] = [];
  const http = await startSimHttp(
    (req) => {
      const snap = /^\/snapshots\/([\w-]+)\.jpg$/.exec(req.path);
      if (req.method === 'GET' && snap)
        return { status: 200, body: fakeJpeg(`snapshot ${snap[1]}`), contentType: 'image/jpeg' };
      const speaker = /^\/speakers\/([\w-]+)\/announcements$/.exec(req.path);
      if (req.method === 'POST' && speaker) {
        const b = req.json as Partial<Announcement> | undefined;
        if (!b || typeof b.text !== 'string' || !b.text || typeof b.requestId !== 'string')
          return { status: 400, body: { error: 'text and requestId are required' } };
        // The same requestId plays once: a retried call must not shout twice.
        const earlier = announcements.find((a) => a.requestId === b.requestId);
        if (!earlier)
          announcements.push({
            speakerId: speaker[1]!,
            requestId: b.requestId,
            text: b.text,
            repeat: typeof b.repeat === 'number' ? b.repeat : 1,
            at: new Date().toISOString(),
          });
        return {
          status: 202,
          body: { announcementId: b.requestId, status: earlier ? 'duplicate' : 'queued' },
        };
      }
      return null;
    },
    { port: options.port },
  );
  const faults = Object.assign(http.faults, { duplicates: false });
  const sim: VideoSimulator = {
    get url() {
      return http.url;
    },
    http,
    faults,
    target: null,
    announcements,
    alarm(camera, alarmType, at = new Date()) {
      const alarmId = randomUUID();
      return {
        alarmId,
        cameraId: camera.cameraId,
        cameraName: camera.name,
        alarmType,
        at: at.toISOString(),
        confidence: 0.91,
        lng: camera.lng,
        lat: camera.lat,
        snapshotUrl: `${http.url}/snapshots/${alarmId}.jpg`,
        speakerId: camera.speakerId,
      };
    },
    async push(alarm) {
      if (!sim.target) throw new Error('no target: set sim.target = { url, secret }');
      const results = [];
      for (let i = 0; i < (faults.duplicates ? 2 : 1); i++) {
        const body = JSON.stringify(alarm);
        const res = await fetch(sim.target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...signedHeaders(sim.target.secret, body) },
          body,
        });
        const text = await res.text();
        results.push({ status: res.status, body: text ? (JSON.parse(text) as unknown) : null });
      }
      return results;
    },
    close: () => http.close(),
  };
  return sim;
}
