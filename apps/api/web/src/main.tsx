import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'leaflet/dist/leaflet.css';
import './app.css';
import { api, hasToken, onSignedOut, signIn, signOut, type Me } from './api.js';
import { LivePage } from './live.js';
import { CasesPage, CasePage } from './cases.js';
import { AuditPage } from './audit.js';
import { GatePage } from './gate.js';
import { PurchasesPage, MeetingsPage } from './purchases.js';
import { FencesPage, OrdersPage, CalendarPage } from './centre.js';
import { ReportsPage } from './reports.js';
import { useAction } from './ui.js';

/** The pages and who may open them, after docs/roles.md (the server answers 403 to anyone else anyway). */
const PAGES = [
  { path: 'map', title: '实时地图 Live map', roles: ['centre', 'inspector', 'admin'] },
  { path: 'cases', title: '案件 Cases', roles: ['inspector', 'centre'] },
  { path: 'audit', title: '每周抽查 Weekly audit', roles: ['centre', 'inspector'] },
  { path: 'gate', title: '付款核查 Payment gate', roles: ['finance', 'centre', 'inspector'] },
  { path: 'purchases', title: '购车申请 Purchases', roles: ['unit', 'centre', 'member', 'inspector'] },
  { path: 'meetings', title: '联席会议 Meetings', roles: ['centre', 'member', 'inspector'] },
  { path: 'fences', title: '电子围栏 Fences', roles: ['centre', 'inspector', 'admin'] },
  { path: 'orders', title: '派车单 Dispatch orders', roles: ['centre', 'unit', 'inspector'] },
  { path: 'reports', title: '报表 Reports', roles: ['centre', 'inspector', 'unit'] },
  {
    path: 'calendar',
    title: '工作日历 Calendar',
    roles: ['admin', 'centre', 'inspector', 'finance', 'unit', 'member'],
  },
] as const;

export const pagesFor = (roles: string[]) => PAGES.filter((p) => p.roles.some((r) => roles.includes(r)));

function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const update = () => setRoute(read());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

function SignIn({ onDone }: { onDone: () => void }) {
  const { run, busy, view } = useAction();
  return (
    <form
      id="sign-in"
      class="sign-in"
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const data = new FormData(form);
        void run(async () => {
          try {
            await signIn(String(data.get('username')).trim(), String(data.get('password')));
          } catch (error) {
            const status = (error as { status?: number }).status;
            throw new Error(status === 401 ? '用户名或密码错误 Wrong username or password' : (error as Error).message);
          }
          onDone();
        });
      }}
    >
      <h2>登录 Sign in</h2>
      <label>
        用户名 Username
        <input name="username" autocomplete="username" required />
      </label>
      <label>
        密码 Password
        <input name="password" type="password" autocomplete="current-password" required />
      </label>
      <button type="submit" disabled={busy}>
        登录 Sign in
      </button>
      {view}
    </form>
  );
}

function ChangePassword({ onDone }: { onDone: () => void }) {
  const { run, busy, view } = useAction();
  return (
    <form
      id="change-password"
      class="sign-in"
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        void run(async () => {
          if (data.get('newPassword') !== data.get('repeat')) throw new Error('两次输入不一致 The two entries differ');
          await api('auth/password', {
            method: 'PUT',
            body: { currentPassword: data.get('currentPassword'), newPassword: data.get('newPassword') },
          });
          onDone();
        });
      }}
    >
      <h2>首次登录请修改密码 Change your password</h2>
      <p class="muted">临时密码必须先更换。 A temporary password must be replaced before anything else.</p>
      <label>
        当前密码 Current password
        <input name="currentPassword" type="password" autocomplete="current-password" required />
      </label>
      <label>
        新密码 New password
        <input name="newPassword" type="password" autocomplete="new-password" required />
      </label>
      <label>
        再次输入 Repeat
        <input name="repeat" type="password" autocomplete="new-password" required />
      </label>
      <button type="submit" disabled={busy}>
        修改 Change
      </button>
      {view}
    </form>
  );
}

function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [signedIn, setSignedIn] = useState(hasToken());
  const route = useRoute();
  useEffect(() => onSignedOut(() => (setSignedIn(false), setMe(null))), []);
  useEffect(() => {
    if (signedIn) api<Me>('auth/me').then(setMe, () => undefined);
  }, [signedIn]);

  let body;
  if (!signedIn) body = <SignIn onDone={() => setSignedIn(true)} />;
  else if (!me) body = <p class="muted">加载中… Loading…</p>;
  else if (me.mustChangePassword) body = <ChangePassword onDone={() => api<Me>('auth/me').then(setMe)} />;
  else body = <Page me={me} route={route} />;

  return (
    <>
      <header>
        <h1>
          公务用车监管平台<small>Official-car oversight</small>
        </h1>
        {me && (
          <span id="who">
            {me.name} ({me.roles.join(', ')}){' '}
            <button type="button" onClick={signOut}>
              退出 Sign out
            </button>
          </span>
        )}
      </header>
      <main>{body}</main>
    </>
  );
}

function Page({ me, route }: { me: Me; route: string[] }) {
  const pages = pagesFor(me.roles);
  const current = pages.find((p) => p.path === route[0]) ?? pages[0];
  if (!current) return <p class="notice">此账号没有可用页面。 This account has no pages.</p>;
  const roles = me.roles;
  const content = (() => {
    switch (current.path) {
      case 'map':
        return <LivePage roles={roles} />;
      case 'cases':
        return route[1] ? <CasePage id={route[1]} roles={roles} /> : <CasesPage />;
      case 'audit':
        return <AuditPage roles={roles} />;
      case 'gate':
        return <GatePage roles={roles} />;
      case 'purchases':
        return <PurchasesPage roles={roles} />;
      case 'meetings':
        return <MeetingsPage me={me} />;
      case 'fences':
        return <FencesPage roles={roles} />;
      case 'orders':
        return <OrdersPage roles={roles} />;
      case 'reports':
        return <ReportsPage me={me} />;
      case 'calendar':
        return <CalendarPage />;
    }
  })();
  return (
    <>
      <nav>
        {pages.map((p) => (
          <a key={p.path} href={`#/${p.path}`} aria-current={p === current ? 'page' : undefined}>
            {p.title}
          </a>
        ))}
      </nav>
      <section data-page={current.path}>{content}</section>
    </>
  );
}

const root = document.getElementById('root')!;
root.textContent = ''; // the page's "loading" line: render() would keep it beside the app
render(<App />, root);
