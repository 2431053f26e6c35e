import { openTestDataSource, TestDataSource } from '../../test/support/pg-database';
import { ViewerLinkStore } from './viewer-link-store.service';

describe.each(['sqlite', 'postgres'] as const)('ViewerLinkStore on a real %s database', (kind) => {
  let db: TestDataSource;
  let links: ViewerLinkStore;

  beforeEach(async () => {
    db = await openTestDataSource(kind, 'viewerlinks');
    links = new ViewerLinkStore(db.dataSource);
  });
  afterEach(() => db.close());

  const link = (tokenHash: string, sessionId: string, expiresAt: number) => ({ tokenHash, sessionId, createdAt: 1_000, expiresAt });

  it('finds a link by its token hash until it expires', async () => {
    await links.saveViewerLink(link('a'.repeat(64), 's1', 10_000));
    expect(await links.findLiveViewerLink('a'.repeat(64), 9_999)).toEqual(link('a'.repeat(64), 's1', 10_000));
    expect(await links.findLiveViewerLink('a'.repeat(64), 10_000)).toBeNull();
    expect(await links.findLiveViewerLink('b'.repeat(64), 5_000)).toBeNull();
  });

  it("revokes every link of one session, not another session's", async () => {
    await links.saveViewerLink(link('a'.repeat(64), 's1', 10_000));
    await links.saveViewerLink(link('b'.repeat(64), 's1', 20_000));
    await links.saveViewerLink(link('c'.repeat(64), 's2', 20_000));
    expect(await links.deleteViewerLinks('s1', 5_000)).toBe(2);
    expect(await links.findLiveViewerLink('a'.repeat(64), 5_000)).toBeNull();
    expect(await links.findLiveViewerLink('b'.repeat(64), 5_000)).toBeNull();
    expect((await links.findLiveViewerLink('c'.repeat(64), 5_000))?.sessionId).toBe('s2');
    expect(await links.deleteViewerLinks('s1', 5_000)).toBe(0);
  });
});
