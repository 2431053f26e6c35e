// A minimal Server-Sent Events reader over fetch, for the e2e specs of the live pages.

export interface SseStream {
  status: number;
  contentType: string | null;
  /** Reads frames until an event of `type` arrives (earlier ones are dropped); its parsed data. */
  next(type: string): Promise<any>;
  close(): Promise<void>;
}

export interface SseFrame {
  event: string;
  data: any;
}

/**
 * Takes the complete frames (ended by a blank line) off the front of `buffer`: their events, and
 * what is left for the next chunk. Frames without data (comments, retry-only) are dropped.
 */
export function takeSseFrames(buffer: string): { frames: SseFrame[]; rest: string } {
  const frames: SseFrame[] = [];
  let end: number;
  while ((end = buffer.indexOf('\n\n')) >= 0) {
    const frame = buffer.slice(0, end);
    buffer = buffer.slice(end + 2);
    const field = (name: string) => frame.split('\n').filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
    if (field('data').length) frames.push({ event: field('event')[0] ?? 'message', data: JSON.parse(field('data').join('\n')) });
  }
  return { frames, rest: buffer };
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal, headers });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const events: SseFrame[] = [];
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    async next(type: string) {
      for (;;) {
        const found = events.findIndex((e) => e.event === type);
        if (found >= 0) return events.splice(0, found + 1)[found].data;
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before a ${type} event`);
        const taken = takeSseFrames(buffer + decoder.decode(value, { stream: true }));
        buffer = taken.rest;
        events.push(...taken.frames);
      }
    },
    async close() {
      abort.abort();
      await reader.cancel().catch(() => undefined);
    },
  };
}
