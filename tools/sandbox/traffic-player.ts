import { Webhook } from 'standardwebhooks';
import { createDemoStory, createHotAccountStory, type Story, type StoryEvent } from './demo-story.js';

/**
 * Plays the demo story through pls's real, signed `POST /webhooks/usage` (Standard Webhooks):
 * the backfill at once in batches, then each live event when it falls due. `speed` divides the
 * live timeline (×2 plays it twice as fast). Nothing here touches pls's insides.
 */
export interface TrafficStatus {
  enabled: boolean;
  paused: boolean;
  finished: boolean;
  /** Events pls accepted (202). */
  sent: number;
  accounts: number;
  speed: number;
  /** Changes whenever the numbers above do. */
  version: number;
  lastError: string | null;
}

export interface TrafficPlayer {
  /** Sends the backfill, then plays the live part; once pls listens. */
  start(): void;
  status(): TrafficStatus;
  pause(): void;
  resume(): void;
  /** Sends one more account's week and its limit hit right away; resolves once pls accepted both. */
  makeHot(): Promise<{ accountId: string; name: string }>;
  stop(): Promise<void>;
}

/** At most 500 events a request (README, "Sending events"). */
const BATCH = 500;
const TICK_MS = 200;
/** createHotAccountStory's moment is due this long into its live part. */
const HOT_MOMENT_MS = 1_000;

export function createTrafficPlayer(options: {
  /** Where pls listens. */
  url: () => string;
  /** `whsec_…`, the secret pls was started with. */
  secret: string;
  enabled: boolean;
  speed: number;
  seed?: number;
  accounts?: number;
  /** The manifest's timezone: the story's backfill falls on its calendar days. */
  zone: string;
  /** The story's clock (pls's own clock when a test moves it). */
  now?: () => number;
  onError?: (error: string) => void;
}): TrafficPlayer {
  const now = options.now ?? Date.now;
  const webhook = new Webhook(options.secret);
  const startedAt = now();
  const story: Story | null = options.enabled
    ? createDemoStory({
        now: startedAt,
        zone: options.zone,
        seed: options.seed,
        accounts: options.accounts,
      })
    : null;
  const live = story?.events.filter((e) => e.sendAt !== undefined) ?? [];
  const status: TrafficStatus = {
    enabled: options.enabled,
    paused: false,
    finished: !options.enabled,
    sent: 0,
    accounts: story?.accounts.length ?? 0,
    speed: options.speed,
    version: 0,
    lastError: null,
  };
  const changed = () => {
    status.version += 1;
  };
  let nextLive = 0;
  /** Story time played so far, in ms at ×1; advances only while playing. */
  let played = 0;
  let lastTick = now();
  let stopped = false;
  let hotCount = 0;
  let timer: NodeJS.Timeout | null = null;
  // One request at a time: pls processes events in the order they were stored.
  let queue: Promise<unknown> = Promise.resolve();

  function serialise(e: StoryEvent, at: number) {
    return { ...e.event, timestamp: new Date(e.occurredAt ?? at).toISOString() };
  }

  async function post(events: StoryEvent[]): Promise<boolean> {
    const at = now();
    const body = JSON.stringify({ events: events.map((e) => serialise(e, at)) });
    const id = `msg_${at.toString(36)}_${Math.random().toString(36).slice(2, 10)}`;
    // The signature's timestamp is the wall clock's: pls's verifier (the standardwebhooks
    // library) holds it to ±5 minutes of its own Date.now, whatever time the story plays at.
    const sentAt = new Date();
    try {
      const res = await fetch(`${options.url()}/webhooks/usage`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': webhook.sign(id, sentAt, body),
        },
        body,
      });
      const answer = await res.text();
      if (res.status !== 202) throw new Error(`pls answered ${res.status}: ${answer.slice(0, 300)}`);
      status.sent += events.length;
      status.lastError = null;
      return true;
    } catch (error) {
      status.lastError = error instanceof Error ? error.message : String(error);
      options.onError?.(status.lastError);
      return false;
    } finally {
      changed();
    }
  }

  /** Resolves true when pls accepted every batch. */
  const send = (events: StoryEvent[]): Promise<boolean> => {
    const run = queue.then(async () => {
      let ok = true;
      for (let i = 0; i < events.length; i += BATCH) {
        if (stopped) return false;
        ok = (await post(events.slice(i, i + BATCH))) && ok;
      }
      return ok;
    });
    queue = run;
    return run;
  };

  function tick(): void {
    const t = now();
    if (!status.paused) played += (t - lastTick) * options.speed;
    lastTick = t;
    const due: StoryEvent[] = [];
    while (nextLive < live.length && live[nextLive]!.sendAt! <= played) due.push(live[nextLive++]!);
    if (due.length > 0) void send(due);
    if (nextLive >= live.length && !status.finished) {
      void queue.then(() => {
        status.finished = true;
        changed();
      });
      if (timer) clearInterval(timer);
      timer = null;
    }
  }

  return {
    start() {
      if (!story) return;
      void send(story.events.filter((e) => e.occurredAt !== undefined)).then(() => {
        if (stopped) return;
        lastTick = now();
        timer = setInterval(tick, TICK_MS);
        timer.unref();
      });
    },
    status: () => ({ ...status }),
    pause() {
      status.paused = true;
      changed();
    },
    resume() {
      status.paused = false;
      changed();
    },
    async makeHot() {
      const hot = createHotAccountStory({ now: now(), zone: options.zone, n: hotCount++ });
      const account = hot.accounts[0]!;
      const backfill = hot.events.filter((e) => e.occurredAt !== undefined);
      const moment = hot.events.filter((e) => e.sendAt !== undefined && e.sendAt <= HOT_MOMENT_MS);
      const later = hot.events.filter((e) => e.sendAt !== undefined && e.sendAt > HOT_MOMENT_MS);
      // The moment in a request of its own, once its history is stored.
      if (!(await send(backfill)) || !(await send(moment))) throw new Error(status.lastError ?? 'not sent');
      for (const e of later) {
        const wait = setTimeout(() => void send([e]), (e.sendAt! - HOT_MOMENT_MS) / options.speed);
        wait.unref();
      }
      status.accounts += 1;
      changed();
      return { accountId: account.id, name: account.name };
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      await queue;
    },
  };
}
