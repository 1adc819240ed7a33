// API reference at /docs (outside production): Swagger UI from the npm package, loaded as a
// separate chunk only when this page opens, rendering /api/v1/openapi.json.
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import 'swagger-ui-dist/swagger-ui.css';

export default function ApiDocs() {
  const ref = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    document.title = 'API reference · Workforce OS';
    let cancelled = false;
    (async () => {
      try {
        const res = await fetch('/api/v1/openapi.json');
        if (!res.ok) throw new Error(res.status === 404 ? 'The API reference is not published on this server.' : `Could not load the API description (${res.status}).`);
        const spec = await res.json();
        const mod = await import('swagger-ui-dist/swagger-ui-es-bundle.js');
        const SwaggerUIBundle = (mod as { default: (o: Record<string, unknown>) => unknown }).default;
        if (!cancelled && ref.current) SwaggerUIBundle({ spec, domNode: ref.current, deepLinking: true, tryItOutEnabled: false });
      } catch (e) {
        if (!cancelled) setError(e instanceof Error ? e.message : 'Could not load the API reference.');
      }
    })();
    return () => { cancelled = true; };
  }, []);
  return (
    <div className="min-h-dvh bg-white">
      <header className="flex items-center justify-between border-b border-slate-200 px-4 py-3">
        <h1 className="text-lg font-semibold text-slate-900">Workforce OS API reference</h1>
        <Link to="/" className="text-sm font-medium text-indigo-700 hover:underline">Back to the app</Link>
      </header>
      {error ? <p className="m-6 rounded-lg bg-rose-50 px-4 py-3 text-sm text-rose-800" role="alert">{error}</p> : <div ref={ref} data-testid="swagger" />}
    </div>
  );
}
