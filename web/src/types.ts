// The API's shapes, as far as the app reads them.
export interface SettingDefinition {
  label: string;
  name: string;
  type: 'string' | 'boolean' | 'array' | 'textMap';
  description?: string;
  required?: boolean;
  sensitive?: boolean;
}

export interface FunctionSummary {
  id: string;
  displayName: string;
  description?: string;
  code: string;
  settings: SettingDefinition[];
  /** The Test tab's saved values, encrypted ones masked. */
  testSettings: Record<string, unknown>;
  version: { id: string; number: number };
  createdAt: string;
  updatedAt: string;
}

export interface Source {
  id: string;
  name: string;
  writeKey: string;
  createdAt: string;
}

export interface Destination {
  id: string;
  name: string;
  functionId: string;
  versionId: string;
  versionNumber: number;
  enabled: boolean;
  sourceIds: string[];
  settings: Record<string, unknown>;
  updatedAt: string;
}

export interface Page<T> {
  data: T[];
  next: string | null;
}

export interface CapturedRequest {
  method: string;
  url: string;
  status?: number;
  durationMs: number;
  requestHeaders: Record<string, string>;
  requestBody?: string;
  responseHeaders?: Record<string, string>;
  responseBody?: string;
  error?: string;
}

export interface InvocationResult {
  status: 'delivered' | 'retry' | 'discarded';
  category?: string;
  error?: { name: string; message: string; stack?: string; line?: number; column?: number };
  logs: { level: string; message: string }[];
  requests: CapturedRequest[];
  durationMs: number;
}

export interface Health {
  status: 'healthy' | 'degraded' | 'failing' | 'paused';
  reason: string;
}
