/// <reference lib="dom" />
/**
 * The support agents' workspace in the browser: signs in with the OpenID provider (authorization code
 * with PKCE; the ID token stays in memory and goes out as `Authorization: Bearer`; a reload signs in
 * again through the provider's session), then shows the inbox (/inbox) and the case page
 * (/inbox/{caseId}) from the /api routes. No framework, no third-party request; text only ever goes in
 * through textContent, so HTML in notes and comments shows as text.
 */
import { accessOf, groupsFromClaim, type TeamMap } from '../../domain/teams.js';
import { type StringKey, t } from './strings.js';

interface WorkspaceConfig extends TeamMap {
  readonly issuer: string;
  readonly clientId: string;
  readonly groupsClaim: string;
  readonly rootCauses: readonly string[];
  readonly programs: readonly string[];
  readonly brand: string;
}

interface Discovery {
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly end_session_endpoint?: string;
}

interface Summary {
  readonly caseId: string;
  readonly status: string;
  readonly queue: string;
  readonly score: number;
  readonly dueAt: string;
  readonly overdue: boolean;
  readonly waitingForCustomer?: boolean;
  readonly customerReplied?: boolean;
  readonly assignee: string | null;
  readonly programId: string;
}

type Earlier =
  | { readonly kind: 'answer'; readonly programId: string; readonly score: number; readonly comment?: string; readonly at: string }
  | { readonly kind: 'case'; readonly caseId: string; readonly status: string; readonly score: number; readonly queue: string; readonly at: string };

interface CaseRecord {
  readonly status: string;
  readonly assignee?: string;
  /** Waiting for the customer's answer since then (pauseWhileWaitingForCustomer). */
  readonly waiting?: { readonly since: string };
  readonly message: {
    readonly caseId: string;
    readonly programId: string;
    readonly kind: string;
    readonly score: number;
    readonly comment: string | null;
    readonly topics: readonly string[];
    readonly queue: string;
    readonly dueAt: string;
    readonly acknowledgeBy: string | null;
  };
  readonly history: readonly {
    readonly at: string;
    readonly actor: string;
    readonly action: string;
    readonly note?: string;
    readonly reply?: string;
    readonly assignee?: string;
    /** A customer's email reply (`customer-replied`): who wrote and what, and what was left out. */
    readonly from?: string;
    readonly text?: string;
    readonly dropped?: readonly string[];
  }[];
}

const PAGES = '/inbox';
const KEYS = { verifier: 'closeloop.pkce', state: 'closeloop.state', target: 'closeloop.target' } as const;

let idToken = '';
/** The ID token's claims, read once at sign-in (for display and the filters only: the API checks the token). */
let claims: Record<string, unknown> = {};
let email = '';

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const random = (size: number) => base64url(crypto.getRandomValues(new Uint8Array(size)));

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

const main = () => document.getElementById('main') as HTMLElement;
function show(...children: Node[]) {
  main().replaceChildren(...children);
}

/** The polite live region: what an action did, or why it did not. */
function announce(message: string, failed = false) {
  const status = document.getElementById('status') as HTMLElement;
  status.textContent = message;
  status.className = failed ? 'status failed' : 'status';
}

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** Sends the browser to the provider; it comes back to /inbox with a code (or signs in silently through its session). */
async function redirectToSignIn(config: WorkspaceConfig, discovery: Discovery): Promise<never> {
  const verifier = random(32);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const state = random(16);
  // Not a token: the one-time PKCE verifier and state, for the page that receives the code.
  sessionStorage.setItem(KEYS.verifier, verifier);
  sessionStorage.setItem(KEYS.state, state);
  sessionStorage.setItem(KEYS.target, location.pathname + location.search);
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: config.clientId,
    response_type: 'code',
    // The ID token carries the groups claim with these (Cognito's cognito:groups always does).
    scope: 'openid email',
    redirect_uri: location.origin + PAGES,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  }).toString();
  location.assign(url.href);
  return new Promise<never>(() => undefined);
}

/** The ID token: from the code the provider sent back, or after a round trip to the provider. */
async function signIn(config: WorkspaceConfig, discovery: Discovery): Promise<void> {
  const here = new URL(location.href);
  const code = here.searchParams.get('code');
  const state = here.searchParams.get('state');
  const verifier = sessionStorage.getItem(KEYS.verifier);
  const expected = sessionStorage.getItem(KEYS.state);
  const target = sessionStorage.getItem(KEYS.target) ?? PAGES;
  for (const key of Object.values(KEYS)) sessionStorage.removeItem(key);
  if (!code || !verifier || !state || state !== expected) return redirectToSignIn(config, discovery);
  const response = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: location.origin + PAGES,
      client_id: config.clientId,
      code_verifier: verifier,
    }),
  });
  if (!response.ok) return redirectToSignIn(config, discovery);
  const tokens = await json<{ id_token?: string }>(response);
  if (!tokens.id_token) return redirectToSignIn(config, discovery);
  idToken = tokens.id_token;
  claims = JSON.parse(atob((idToken.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
  email = String(claims.email ?? claims.sub ?? '');
  history.replaceState(null, '', target.startsWith('/inbox') || target.startsWith('/dashboard') ? target : PAGES);
}

function signOut(config: WorkspaceConfig, discovery: Discovery) {
  const back = location.origin + PAGES;
  const hint = idToken;
  idToken = '';
  if (discovery.end_session_endpoint) {
    const url = new URL(discovery.end_session_endpoint);
    url.search = new URLSearchParams({ client_id: config.clientId, post_logout_redirect_uri: back, id_token_hint: hint }).toString();
    location.assign(url.href);
  } else {
    // Cognito's managed login: /logout on the login domain.
    const url = new URL('/logout', discovery.authorization_endpoint);
    url.search = new URLSearchParams({ client_id: config.clientId, logout_uri: back }).toString();
    location.assign(url.href);
  }
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${idToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 401) {
    location.reload();
    throw new ApiError(401, 'signed out');
  }
  const answer = await json<T & { message?: string }>(response);
  if (!response.ok) throw new ApiError(response.status, answer.message ?? String(response.status));
  return answer;
}

function duration(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} d`;
}

function sla(dueAt: string): string {
  const left = Date.parse(dueAt) - Date.now();
  return left < 0 ? t('overdueBy', { time: duration(left) }) : t('timeLeft', { time: duration(left) });
}

/** What I may see, from the token's groups (the API enforces it; the pages only fill their filters and links with it). */
const myAccess = (config: WorkspaceConfig) => accessOf(config, groupsFromClaim(claims[config.groupsClaim]));

function select(id: string, label: StringKey, options: readonly (readonly [string, string])[], chosen: string): HTMLElement {
  const control = element('select', { id, name: id });
  for (const [value, text] of options) {
    const option = element('option', { value }, text);
    if (value === chosen) option.selected = true;
    control.append(option);
  }
  return element('div', { class: 'field' }, element('label', { for: id }, t(label)), control);
}

function checkbox(id: string, label: StringKey, checked: boolean): HTMLElement {
  const box = element('input', { type: 'checkbox', id, name: id });
  box.checked = checked;
  return element('div', { class: 'field check' }, box, element('label', { for: id }, t(label)));
}

async function inbox(config: WorkspaceConfig) {
  const query = new URLSearchParams(location.search);
  const filters = element(
    'form',
    { class: 'filters', 'aria-label': t('filters') },
    select('queue', 'queue', [['', t('allQueues')], ...myAccess(config).queues.map((queue) => [queue, queue] as const)], query.get('queue') ?? ''),
    select(
      'status',
      'status',
      [['', t('openStatuses')], ...['open', 'acknowledged', 'escalated', 'resolved'].map((status) => [status, status] as const)],
      query.get('status') ?? '',
    ),
    checkbox('assigned', 'assignedToMe', query.get('assigned') === 'me'),
    checkbox('overdue', 'overdueOnly', query.get('overdue') === 'true'),
    element('button', { type: 'submit' }, t('apply')),
  );
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    const form = new FormData(filters);
    const next = new URLSearchParams();
    if (form.get('queue')) next.set('queue', String(form.get('queue')));
    if (form.get('status')) next.set('status', String(form.get('status')));
    if (form.get('assigned')) next.set('assigned', 'me');
    if (form.get('overdue')) next.set('overdue', 'true');
    history.pushState(null, '', `${PAGES}${next.size ? `?${next}` : ''}`);
    void route(config);
  });
  const rows = element('tbody');
  const table = element(
    'table',
    {},
    element('caption', { class: 'visually-hidden' }, t('inbox')),
    element(
      'thead',
      {},
      element('tr', {}, ...(['case', 'queue', 'score', 'status', 'due', 'assignee'] as const).map((key) => element('th', { scope: 'col' }, t(key)))),
    ),
    rows,
  );
  const more = element('button', { type: 'button', class: 'secondary' }, t('more'));
  const empty = element('p', { hidden: '' }, t('noCases'));
  // Scrolls sideways on a phone: focusable, so a keyboard can scroll it too.
  show(element('h1', {}, t('inbox')), filters, element('div', { class: 'table', tabindex: '0', role: 'region', 'aria-label': t('inbox') }, table), empty, more);
  let cursor: string | null = null;
  const load = async () => {
    const page = new URLSearchParams(query);
    page.set('limit', '25');
    if (cursor) page.set('cursor', cursor);
    const result = await api<{ items: Summary[]; cursor: string | null }>('GET', `/api/cases?${page}`);
    for (const item of result.items) {
      const link = element('a', { href: `${PAGES}/${encodeURIComponent(item.caseId)}` }, item.caseId.slice(0, 8));
      rows.append(
        element(
          'tr',
          item.overdue ? { class: 'overdue' } : {},
          element('td', {}, link),
          element('td', {}, item.queue),
          element('td', {}, String(item.score)),
          element(
            'td',
            {},
            [item.status, ...(item.waitingForCustomer ? [t('waitingForCustomer')] : []), ...(item.customerReplied ? [t('customerRepliedBadge')] : [])].join(
              ' · ',
            ),
          ),
          element('td', {}, item.waitingForCustomer ? t('paused') : sla(item.dueAt)),
          element('td', {}, item.assignee ?? t('nobody')),
        ),
      );
    }
    cursor = result.cursor;
    more.hidden = cursor === null;
    empty.hidden = rows.childElementCount > 0;
  };
  more.addEventListener('click', () => void load().catch((error: Error) => announce(t('failed', { message: error.message }), true)));
  await load();
}

async function casePage(config: WorkspaceConfig, caseId: string) {
  const {
    version,
    case: record,
    earlier,
  } = await api<{ version: number; case: CaseRecord; earlier: readonly Earlier[] }>('GET', `/api/cases/${encodeURIComponent(caseId)}`);
  const past = element('ul', { class: 'earlier' });
  for (const item of earlier) {
    const when = new Date(item.at).toLocaleDateString();
    past.append(
      item.kind === 'answer'
        ? element('li', {}, `${when} · ${item.programId} · ${t('score')} ${item.score}${item.comment ? ` · “${item.comment}”` : ''}`)
        : element(
            'li',
            {},
            `${when} · ${t('case')} `,
            element('a', { href: `${PAGES}/${encodeURIComponent(item.caseId)}` }, item.caseId.slice(0, 8)),
            ` · ${item.queue} · ${item.status} · ${t('score')} ${item.score}`,
          ),
    );
  }
  const { message } = record;
  const act = async (action: string, body: Record<string, unknown>) => {
    try {
      await api('POST', `/api/cases/${encodeURIComponent(caseId)}/${action}`, { expectedVersion: version, ...body });
      await casePage(config, caseId);
      announce(t('done'));
    } catch (error) {
      announce(t('failed', { message: (error as Error).message }), true);
    }
  };
  const button = (label: StringKey, onClick: () => void, disabled = false) => {
    const node = element('button', { type: 'button' }, t(label));
    node.disabled = disabled;
    node.addEventListener('click', onClick);
    return node;
  };
  const note = element('textarea', { id: 'note', rows: '3', maxlength: '5000' });
  const reply = element('textarea', { id: 'reply', rows: '4', maxlength: '5000' });
  const rootCause = element('select', { id: 'root-cause' });
  for (const cause of config.rootCauses) rootCause.append(element('option', { value: cause }, cause));
  const resolved = record.status === 'resolved';
  const history = element('ol', { class: 'history' });
  for (const change of record.history) {
    const what = t(`action.${change.action}` as StringKey, { assignee: change.assignee ?? '' });
    history.append(
      element(
        'li',
        {},
        element('time', { datetime: change.at }, new Date(change.at).toLocaleString()),
        change.action === 'customer-replied' ? ` ${what} (${change.from ?? change.actor})` : ` ${change.actor} ${what}`,
        ...(change.note ? [element('p', { class: 'note' }, change.note)] : []),
        ...(change.reply ? [element('p', { class: 'note reply' }, `${t('toCustomer')} ${change.reply}`)] : []),
        ...(change.text ? [element('p', { class: 'note customer' }, change.text)] : []),
        ...(change.dropped?.length ? [element('p', { class: 'dropped' }, t('dropped', { what: change.dropped.join('; ') }))] : []),
      ),
    );
  }
  const facts = (pairs: readonly (readonly [StringKey, string])[]) =>
    element('dl', {}, ...pairs.flatMap(([label, value]) => [element('dt', {}, t(label)), element('dd', {}, value)]));
  show(
    element('p', {}, element('a', { href: PAGES }, t('backToInbox'))),
    element('h1', {}, `${t('case')} ${message.caseId.slice(0, 8)} · ${record.status}`),
    element(
      'section',
      { 'aria-labelledby': 'answer' },
      element('h2', { id: 'answer' }, t('answer')),
      facts([
        ['score', `${message.score} (${message.kind})`],
        ['comment', message.comment ?? t('noComment')],
        ['topics', message.topics.join(', ') || '—'],
        ['program', message.programId],
        ['queue', message.queue],
        ['assignee', record.assignee ?? t('nobody')],
      ]),
    ),
    element(
      'section',
      { 'aria-labelledby': 'sla' },
      element('h2', { id: 'sla' }, t('sla')),
      facts([
        ['acknowledgeBy', message.acknowledgeBy ? new Date(message.acknowledgeBy).toLocaleString() : '—'],
        ['resolveBy', `${new Date(message.dueAt).toLocaleString()} (${resolved ? record.status : record.waiting ? t('paused') : sla(message.dueAt)})`],
        ...(record.waiting ? ([['waitingForCustomer', t('waitingSince', { time: new Date(record.waiting.since).toLocaleString() })]] as const) : []),
      ]),
    ),
    element(
      'section',
      { 'aria-labelledby': 'actions' },
      element('h2', { id: 'actions' }, t('actions')),
      element(
        'div',
        { class: 'buttons' },
        button('acknowledge', () => void act('acknowledge', {}), resolved || record.status === 'acknowledged'),
        button('assignToMe', () => void act('assign', { assignee: email }), resolved || record.assignee === email),
      ),
      element('div', { class: 'field' }, element('label', { for: 'note' }, t('internalNote')), note),
      button('addNote', () => void act('note', { note: note.value })),
      element('div', { class: 'field' }, element('label', { for: 'reply' }, t('replyToCustomer')), reply),
      button('sendReply', () => void act('reply', { reply: reply.value }), resolved),
      element('div', { class: 'field' }, element('label', { for: 'root-cause' }, t('rootCause')), rootCause),
      button('resolve', () => void act('resolve', { rootCause: rootCause.value, ...(note.value.trim() ? { note: note.value } : {}) }), resolved),
    ),
    element('section', { 'aria-labelledby': 'history' }, element('h2', { id: 'history' }, t('history')), history),
    element(
      'section',
      { 'aria-labelledby': 'earlier' },
      element('h2', { id: 'earlier' }, t('earlier')),
      earlier.length ? past : element('p', {}, t('noEarlier')),
    ),
  );
}

/**
 * The admin team's dashboard: the report from the day buckets, per program and segment. Its sections
 * (summary and SVG charts) are rendered by the API as the HTML report renders them, every text escaped;
 * they are parsed here as HTML for that reason, and the page's CSP runs no script from them.
 */
async function dashboard(config: WorkspaceConfig) {
  const query = new URLSearchParams(location.search);
  const input = (id: string, label: StringKey, type: string, value: string) => {
    const control = element('input', { id, name: id, type });
    control.value = value;
    return element('div', { class: 'field' }, element('label', { for: id }, t(label)), control);
  };
  const filters = element(
    'form',
    { class: 'filters', 'aria-label': t('filters') },
    select('program', 'program', [['', t('allPrograms')], ...config.programs.map((id) => [id, id] as const)], query.get('program') ?? ''),
    input('segment', 'segment', 'text', query.get('segment') ?? ''),
    input('from', 'from', 'date', query.get('from') ?? ''),
    input('to', 'to', 'date', query.get('to') ?? ''),
    select(
      'granularity',
      'granularity',
      (['day', 'week', 'month'] as const).map((g) => [g, g] as const),
      query.get('granularity') ?? 'week',
    ),
    element('button', { type: 'submit' }, t('show')),
  );
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, value] of new FormData(filters)) if (String(value)) next.set(name, String(value));
    history.pushState(null, '', `/dashboard${next.size ? `?${next}` : ''}`);
    void route(config);
  });
  const report = element('div', { class: 'report' }, element('p', {}, t('loading')));
  show(element('h1', {}, t('dashboard')), filters, report);
  const { html } = await api<{ html: string }>('GET', `/api/dashboard${query.size ? `?${query}` : ''}`);
  report.replaceChildren(document.createRange().createContextualFragment(html));
}

function navigation(config: WorkspaceConfig) {
  const links: [string, StringKey][] = [[PAGES, 'inbox']];
  if (myAccess(config).admin) links.push(['/dashboard', 'dashboard']);
  (document.getElementById('nav') as HTMLElement).replaceChildren(...links.map(([href, label]) => element('a', { href }, t(label))));
}

async function route(config: WorkspaceConfig) {
  announce('');
  const match = /^\/inbox\/([^/]+)$/.exec(location.pathname);
  try {
    if (match?.[1]) await casePage(config, decodeURIComponent(match[1]));
    else if (location.pathname === '/dashboard') await dashboard(config);
    else await inbox(config);
    main().focus();
  } catch (error) {
    announce(t('failed', { message: (error as Error).message }), true);
  }
}

async function start() {
  const config = await json<WorkspaceConfig>(await fetch('/workspace/config.json'));
  const discovery = await json<Discovery>(await fetch(`${config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`));
  await signIn(config, discovery);
  const signOutButton = element('button', { type: 'button', class: 'secondary' }, t('signOut'));
  signOutButton.addEventListener('click', () => signOut(config, discovery));
  (document.getElementById('account') as HTMLElement).replaceChildren(element('span', {}, t('signedInAs', { email })), signOutButton);
  navigation(config);
  document.addEventListener('click', (event) => {
    const link = (event.target as HTMLElement).closest('a');
    const ours = link && (link.pathname.startsWith(PAGES) || link.pathname === '/dashboard');
    if (!link || !ours || link.origin !== location.origin || event.metaKey || event.ctrlKey) return;
    event.preventDefault();
    history.pushState(null, '', link.pathname + link.search);
    void route(config);
  });
  window.addEventListener('popstate', () => void route(config));
  await route(config);
}

void start();
