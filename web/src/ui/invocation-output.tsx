// What a run returned: outcome, error, console lines and every outgoing request with its response — the same
// data on the Test tab and in Event Delivery.
import type { CapturedRequest, InvocationResult } from '../types.ts';

export function InvocationOutput({
  result,
}: {
  result: Pick<InvocationResult, 'status' | 'category' | 'error' | 'logs' | 'requests' | 'durationMs'>;
}) {
  return (
    <div className="output" aria-label="Output">
      <p>
        <span className={`status ${result.status}`}>{result.status}</span>
        {result.category && <span className="badge">{result.category}</span>}
        <span className="muted"> {result.durationMs} ms</span>
      </p>
      {result.error && (
        <div className="error-box" role="alert">
          <strong>
            {result.error.name}: {result.error.message}
          </strong>
          {result.error.line !== undefined && (
            <span className="muted">
              {' '}
              (line {result.error.line}, column {result.error.column})
            </span>
          )}
          {result.error.stack && <pre>{result.error.stack}</pre>}
        </div>
      )}
      <h3>Logs</h3>
      {result.logs.length === 0 ? (
        <p className="muted">No console output.</p>
      ) : (
        <pre className="logs">{result.logs.map((line) => `[${line.level}] ${line.message}`).join('\n')}</pre>
      )}
      <h3>Requests</h3>
      {result.requests.length === 0 ? (
        <p className="muted">No outgoing requests.</p>
      ) : (
        result.requests.map((request, i) => <RequestView key={i} request={request} />)
      )}
    </div>
  );
}

function RequestView({ request }: { request: CapturedRequest }) {
  return (
    <details className="request" open>
      <summary>
        <code>
          {request.method} {request.url}
        </code>{' '}
        → {request.status ?? request.error ?? 'no response'}{' '}
        <span className="muted">{request.durationMs} ms</span>
      </summary>
      <div className="columns">
        <div>
          <h4>Request</h4>
          <pre>
            {Object.entries(request.requestHeaders)
              .map(([k, v]) => `${k}: ${v}`)
              .join('\n')}
            {request.requestBody ? `\n\n${request.requestBody}` : ''}
          </pre>
        </div>
        <div>
          <h4>Response</h4>
          <pre>
            {Object.entries(request.responseHeaders ?? {})
              .map(([k, v]) => `${k}: ${v}`)
              .join('\n')}
            {request.responseBody ? `\n\n${request.responseBody}` : ''}
          </pre>
        </div>
      </div>
    </details>
  );
}
