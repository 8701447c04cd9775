import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { HttpError } from './api.js';

/** Loads once (and again when `reload` is called or the keys change); shows loading and failures. */
export function useLoad<T>(load: () => Promise<T>, keys: unknown[] = []) {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [round, ...keys]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}

export function Failure({ error }: { error: Error }) {
  const status = error instanceof HttpError ? error.status : 0;
  const text =
    status === 403
      ? '当前角色无权查看此项。 Your role may not view this (403).'
      : `加载失败 Could not load: ${error.message}`;
  return <p class="notice">{text}</p>;
}

export function Loaded<T>({
  state,
  children,
}: {
  state: { data?: T; error?: Error; loading: boolean };
  children: (data: T) => ComponentChildren;
}) {
  if (state.error) return <Failure error={state.error} />;
  if (state.data === undefined) return <p class="muted">加载中… Loading…</p>;
  return <>{children(state.data)}</>;
}

export function Table<T>({
  headers,
  rows,
  cells,
  rowClass,
  onRow,
}: {
  headers: string[];
  rows: T[];
  cells: (row: T) => ComponentChildren[];
  rowClass?: (row: T) => string;
  onRow?: (row: T) => void;
}) {
  if (rows.length === 0) return <p class="muted">暂无记录 Nothing to show.</p>;
  return (
    <div class="scroll">
      <table>
        <thead>
          <tr>
            {headers.map((h) => (
              <th key={h}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i} class={`${rowClass?.(row) ?? ''}${onRow ? ' link' : ''}`} onClick={onRow && (() => onRow(row))}>
              {cells(row).map((c, j) => (
                <td key={j}>{c}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Card({ title, value, tone = '' }: { title: string; value: ComponentChildren; tone?: string }) {
  return (
    <div class={`card ${tone}`}>
      <b>{value}</b>
      {title}
    </div>
  );
}

/** A form's submit that reports the server's answer (400 messages name the field). */
export function useAction() {
  const [message, setMessage] = useState<{ text: string; ok: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<string | void>) => {
    setBusy(true);
    setMessage(null);
    try {
      const text = await action();
      if (text) setMessage({ text, ok: true });
    } catch (error) {
      setMessage({ text: (error as Error).message, ok: false });
    } finally {
      setBusy(false);
    }
  };
  const view = message ? (
    <p class={message.ok ? 'ok' : 'error'} role="status">
      {message.text}
    </p>
  ) : null;
  return { run, busy, view };
}

/** The options of a select, one per entry of a code → label map, in the map's order. */
export function Options({ labels }: { labels: Record<string, string> }) {
  return (
    <>
      {Object.entries(labels).map(([code, label]) => (
        <option key={code} value={code}>
          {label}
        </option>
      ))}
    </>
  );
}
