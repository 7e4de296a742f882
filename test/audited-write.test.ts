// A change and its audit event commit together or not at all, on both databases.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NewAuditEvent } from '../src/store/audit-repository.ts';
import { type PendingAudit, pendingAudit, withPendingAudit } from '../src/store/audited-write.ts';
import type { Store } from '../src/store/store.ts';
import { DIALECTS, openTestStore, skipReason } from './helpers/test-stores.ts';

for (const dialect of DIALECTS) {
  describe(`audited writes on ${dialect}`, { skip: skipReason(dialect) }, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    let workspaceId: string;
    before(async () => {
      ({ store, dispose } = await openTestStore(dialect));
      ({ workspaceId } = await store.access.bootstrap({ adminToken: 'sy_audited_write_token_0123' }));
    });
    after(() => dispose());

    const pending = (event: Partial<NewAuditEvent> = {}): PendingAudit =>
      pendingAudit({
        workspaceId,
        actor: { type: 'token', id: 'tok_1', label: 'test' },
        action: 'sources.create',
        outcome: 'ok',
        resourceType: 'sources',
        ...event,
      });
    const sourceNames = async () =>
      (await store.sources.list(workspaceId, { limit: 200 })).data.map((source) => source.name);

    it('commits the audit event with the change, naming the created resource', async () => {
      const audit = pending();
      const source = await withPendingAudit(audit, () => store.sources.create(workspaceId, 'Audited'));
      assert.equal(audit.written, true);
      const trail = await store.audit.list(workspaceId, { limit: 10, resource: source.id });
      assert.equal(trail.events.length, 1);
      assert.equal(trail.events[0]!.action, 'sources.create');
      // The second write of the same request does not record it again.
      await withPendingAudit(audit, () => store.sources.create(workspaceId, 'Second'));
      const all = await store.audit.list(workspaceId, { limit: 50 });
      assert.equal(all.events.filter((e) => e.action === 'sources.create').length, 1);
    });

    it('keeps the event of each overlapping request when another request ends first', async () => {
      // The storage is disabled whenever no request runs with an event (its promise hooks cost every
      // promise in the process): the one still running must keep its own.
      const first = pending();
      const second = pending();
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const slow = withPendingAudit(second, async () => {
        await held;
        return store.sources.create(workspaceId, 'Overlapping, slow');
      });
      await withPendingAudit(first, () => store.sources.create(workspaceId, 'Overlapping, fast'));
      release();
      const source = await slow;
      assert.equal(first.written, true);
      assert.equal(second.written, true);
      const trail = await store.audit.list(workspaceId, { limit: 10, resource: source.id });
      assert.equal(trail.events.length, 1, 'the slow request wrote its event with its change');
      // And after both ended, a later request gets the storage back.
      const later = pending();
      await withPendingAudit(later, () => store.sources.create(workspaceId, 'After'));
      assert.equal(later.written, true);
    });

    it('rolls the change back when its audit event cannot be written', async () => {
      // An event the table refuses (no workspace): the source must not exist afterwards either.
      const audit = pending({ workspaceId: null as unknown as string });
      await assert.rejects(withPendingAudit(audit, () => store.sources.create(workspaceId, 'Never')));
      assert.equal(audit.written, false);
      assert.ok(!(await sourceNames()).includes('Never'), 'the change was rolled back with its audit event');
    });

    it('records nothing with a write that changed nothing (the request records its own outcome)', async () => {
      const audit = pending({ action: 'tokens.delete', resourceId: 'tok_missing' });
      const revoked = await withPendingAudit(audit, () =>
        store.access.revokeToken(workspaceId, 'tok_missing'),
      );
      assert.equal(revoked, false);
      assert.equal(audit.written, false);
      assert.equal(
        (await store.audit.list(workspaceId, { limit: 10, resource: 'tok_missing' })).events.length,
        0,
      );
    });

    it('writes as before outside a request', async () => {
      await store.sources.create(workspaceId, 'Plain');
      assert.ok((await sourceNames()).includes('Plain'));
    });
  });
}
