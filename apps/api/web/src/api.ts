/** The REST API of the same origin, with the signed-in user's token. */

const SESSION_KEY = 'oversight.session';

export interface Me {
  id: string;
  kind: 'user' | 'api_key';
  name: string;
  roles: string[];
  unitId: string | null;
  mustChangePassword: boolean;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let token: string | null = sessionStorage.getItem(SESSION_KEY);
const signedOutListeners = new Set<() => void>();

export const hasToken = () => token !== null;
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}
export function signOut(): void {
  token = null;
  sessionStorage.removeItem(SESSION_KEY);
  for (const listener of signedOutListeners) listener();
}

async function messageOf(res: Response): Promise<string> {
  const body = (await res.json().catch(() => ({}))) as { message?: string | string[] };
  return [body.message ?? res.statusText].flat().join('; ');
}

export async function signIn(username: string, password: string): Promise<void> {
  const res = await fetch('/api/v1/auth/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new HttpError(res.status, await messageOf(res));
  const body = (await res.json()) as { accessToken: string };
  token = body.accessToken;
  sessionStorage.setItem(SESSION_KEY, token);
}

/** GET (or another method with a JSON body) under /api/v1; 401 signs the user out. */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${token ?? ''}` };
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`/api/v1/${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (res.status === 401 && !path.startsWith('auth/password')) {
    signOut();
    throw new HttpError(401, '登录已过期 Signed out');
  }
  if (!res.ok) throw new HttpError(res.status, await messageOf(res));
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/**
 * Downloads a file from the API with the user's token (a plain link cannot send one): fetched, then saved
 * under the name the server gives in Content-Disposition.
 */
export async function download(path: string): Promise<string> {
  const res = await fetch(`/api/v1/${path}`, { headers: { Authorization: `Bearer ${token ?? ''}` } });
  if (res.status === 401) {
    signOut();
    throw new HttpError(401, '登录已过期 Signed out');
  }
  if (!res.ok) throw new HttpError(res.status, await messageOf(res));
  const name = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? 'report';
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

/** A list endpoint's rows, whether it answers with an array or with `{ items }`. */
export const itemsOf = <T>(body: T[] | { items?: T[] } | null | undefined): T[] =>
  Array.isArray(body) ? body : (body?.items ?? []);

/**
 * Listens to a Server-Sent Events endpoint with the bearer token (EventSource cannot send one), and
 * reconnects after a drop. Returns a function that stops listening.
 */
export function listen(path: string, onEvent: (type: string, data: unknown) => void): () => void {
  const abort = new AbortController();
  let stopped = false;
  const run = async (): Promise<void> => {
    while (!stopped) {
      try {
        const res = await fetch(`/api/v1/${path}`, {
          headers: { Accept: 'text/event-stream', Authorization: `Bearer ${token ?? ''}` },
          signal: abort.signal,
        });
        if (res.status === 401) return signOut();
        if (!res.ok || !res.body) throw new HttpError(res.status, res.statusText);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let type = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) type = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
            }
            if (data.length > 0) onEvent(type, JSON.parse(data.join('\n')));
          }
        }
      } catch {
        if (stopped) return;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  void run();
  return () => {
    stopped = true;
    abort.abort();
  };
}
