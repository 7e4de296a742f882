/**
 * The event's own `integrations` object, as Segment reads it: `{"All": false}` turns every destination off
 * unless it is named with `true`; `{"<destination name>": false}` turns that one off. Names match exactly.
 */
export function integrationsAllow(event: Record<string, unknown>, destinationName: string): boolean {
  const integrations = event.integrations;
  if (typeof integrations !== 'object' || integrations === null || Array.isArray(integrations)) return true;
  const settings = integrations as Record<string, unknown>;
  const named = settings[destinationName];
  if (named !== undefined) return named !== false;
  return settings.All !== false;
}
