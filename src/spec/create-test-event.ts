import { randomUUID } from 'node:crypto';
import type { EventType, JsonObject, SegmentEvent } from './event-types.ts';

/**
 * A full, realistic Segment event of the given type, as analytics.js would produce it after ingest.
 * Shared by tests, the editor's Test tab and the CLI so that all of them exercise the same shapes.
 */
export function createTestEvent(partial: Partial<SegmentEvent> & { type?: EventType } = {}): SegmentEvent {
  const type = partial.type ?? 'track';
  const now = new Date().toISOString();
  const base: SegmentEvent = {
    type,
    messageId: `test-${randomUUID()}`,
    userId: 'user-1234',
    anonymousId: 'anon-5678',
    receivedAt: now,
    timestamp: now,
    originalTimestamp: now,
    sentAt: now,
    context: {
      ip: '203.0.113.7',
      library: { name: 'analytics.js', version: 'next-1.72.0' },
      locale: 'en-US',
      userAgent:
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36',
      page: {
        path: '/pricing',
        referrer: 'https://www.example.com/',
        search: '',
        title: 'Pricing',
        url: 'https://www.example.com/pricing',
      },
    },
    integrations: {},
    ...typeFields(type),
  };
  return { ...base, ...partial, type };
}

function typeFields(type: EventType): JsonObject {
  switch (type) {
    case 'track':
      return {
        event: 'Order Completed',
        properties: { orderId: 'order-42', revenue: 25.5, currency: 'USD' },
      };
    case 'identify':
      return { traits: { email: 'peter@example.com', name: 'Peter Gibbons', plan: 'premium' } };
    case 'page':
      return { name: 'Pricing', category: 'Docs', properties: { path: '/pricing', title: 'Pricing' } };
    case 'screen':
      return { name: 'Home', properties: { variation: 'blue' } };
    case 'group':
      return { groupId: 'group-99', traits: { name: 'Initech', industry: 'Technology', employees: 329 } };
    case 'alias':
      return { previousId: 'anon-5678' };
    case 'delete':
      return {};
  }
}
