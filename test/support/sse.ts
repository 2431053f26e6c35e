// A minimal Server-Sent Events reader over fetch, for the e2e specs of the live pages.

export interface SseStream {
  status: number;
  contentType: string | null;
  /** Reads frames until an event of `type` arrives (earlier ones are dropped); its parsed data. */
  next(type: string): Promise<any>;
  close(): Promise<void>;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal, headers });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const events: Array<{ event: string; data: any }> = [];
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    async next(type: string) {
      for (;;) {
        const found = events.findIndex((e) => e.event === type);
        if (found >= 0) return events.splice(0, found + 1)[found].data;
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before a ${type} event`);
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) => frame.split('\n').filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
          if (field('data').length) events.push({ event: field('event')[0] ?? 'message', data: JSON.parse(field('data').join('\n')) });
        }
      }
    },
    async close() {
      abort.abort();
      await reader.cancel().catch(() => undefined);
    },
  };
}
