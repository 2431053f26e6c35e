// An analysis cycle's send_coaching_message goes to the race's athlete's own chat, unless Claude names one.
import { AnalysisTools } from './analysis-tools';

function setup(athleteKey: string | null) {
  const sent: Array<[string, string | undefined]> = [];
  const coaching = { send: async (text: string, chatId?: string) => (sent.push([text, chatId]), { delivered: true, chat_id: chatId ?? 'default', message_id: 1 }) };
  const store = { findSession: async (id: string) => (id === 's1' ? { id, athleteKey } : null) };
  const athletes = { telegramChatOf: async (key: string | null | undefined) => (key === 'zoe' ? '-100777' : null) };
  const tools = new AnalysisTools({} as never, coaching as never, store as never, athletes as never);
  return { tools, sent };
}

describe("analysis tools: the athlete's Telegram chat", () => {
  it("sends to the athlete's chat when the session has an athlete with one", async () => {
    const { tools, sent } = setup('zoe');
    expect((await tools.execute('s1', 'send_coaching_message', { text: 'Ease off' })).ok).toBe(true);
    expect(sent).toEqual([['Ease off', '-100777']]);
  });

  it('keeps a chat Claude named, and the default chat without an athlete', async () => {
    const named = setup('zoe');
    await named.tools.execute('s1', 'send_coaching_message', { text: 'A', chat_id: '42' });
    expect(named.sent).toEqual([['A', '42']]);
    const none = setup(null);
    await none.tools.execute('s1', 'send_coaching_message', { text: 'B' });
    expect(none.sent).toEqual([['B', undefined]]);
  });
});
