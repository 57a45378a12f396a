// The live page: the battery-status table (a click on a row opens the
// battery), the open battery's details, its recent events and one Lock or
// Unlock button, and the latest blocks; all updated by server-sent events.
// Addresses come from the API lower-case; ids typed in may have any case.
const $ = (id) => document.getElementById(id);
const rows = new Map(); // battery id → its <tr> in the status table
const maxEvents = 20; // as many as the server keeps per battery

// opened is the battery in the panel: its id, its latest row, and, until
// its events are loaded, the live events that arrived meanwhile.
let opened = null;
// pending is the blocked state a Lock/Unlock click asked for, until the
// battery's row comes back through Kafka with it.
let pending = null;

function say(text, cls) { const m = $('message'); m.textContent = text; m.className = cls || ''; }

async function api(method, path) {
  const r = await fetch(path, { method });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

const short = (a) => (a ? a.slice(0, 6) + '…' + a.slice(-4) : '');

// ---- the open battery ----

async function openBattery(rawId) {
  const id = rawId.trim().toLowerCase();
  const me = { id, row: null, loaded: false, early: [] };
  opened = me; pending = null;
  $('battery-id').value = id;
  $('events').replaceChildren(); // no events of the battery opened before
  delete $('toggle').dataset.action; // nor its button's state
  markSelected();
  try {
    const [row, events] = await Promise.all([
      api('GET', '/api/batteries/' + encodeURIComponent(id)),
      api('GET', '/api/batteries/' + encodeURIComponent(id) + '/events'),
    ]);
    if (opened !== me) return; // another battery was opened meanwhile
    if (!me.row) showBattery(row); // a live row that came first is newer
    $('events').replaceChildren();
    for (const ev of [...events].reverse()) addEvent(ev);
    me.loaded = true;
    for (const ev of me.early) addEvent(ev);
    showNoEvents();
    say('');
    history.replaceState(null, '', '#' + id);
  } catch (err) {
    if (opened !== me) return;
    opened = null; markSelected();
    $('details').hidden = true; $('empty').hidden = false;
    say(err.message, 'error');
  }
}

function showBattery(b) {
  opened.row = b;
  $('empty').hidden = true; $('details').hidden = false;
  $('b-id').textContent = b.id; $('b-year').textContent = b.year_built; $('b-country').textContent = b.country;
  $('b-cycles').textContent = b.charge_cycles; $('b-owner').textContent = b.owner;
  const st = $('b-blocked');
  st.textContent = b.blocked ? 'blocked: charges are refused' : 'not blocked';
  st.className = b.blocked ? 'blocked' : '';
  st.dataset.blocked = b.blocked;
  if (pending === b.blocked) {
    pending = null;
    say(b.blocked ? 'Locked: BatteryLocked came back through Kafka.' : 'Unlocked: BatteryUnlocked came back through Kafka.', 'ok');
  }
  showToggle();
}

// showToggle offers the one action that changes the state: Lock for a
// battery that is not blocked, Unlock for one that is. When the state
// changes under the pointer (the owner's other devices, the fleet), the
// button stays disabled a moment, so a click meant for Lock never sends
// Unlock.
const settleMs = 400;
let toggleChangedAt = 0;
function showToggle() {
  const t = $('toggle');
  const blocked = opened.row.blocked;
  const action = blocked ? 'unlock' : 'lock';
  if (t.dataset.action && t.dataset.action !== action) {
    toggleChangedAt = performance.now();
    setTimeout(() => opened && opened.row && showToggle(), settleMs);
  }
  t.dataset.action = action;
  t.disabled = pending !== null || performance.now() - toggleChangedAt < settleMs;
  t.textContent = pending === null ? (blocked ? 'Unlock' : 'Lock') : (pending ? 'Locking…' : 'Unlocking…');
}

$('toggle').addEventListener('click', async () => {
  if (!opened || !opened.row || pending !== null) return;
  const me = opened;
  const action = $('toggle').dataset.action;
  pending = action === 'lock';
  showToggle();
  say(`${pending ? 'Locking' : 'Unlocking'}… (sent through the transaction gateway, waiting for the block)`);
  try {
    const sent = await api('POST', `/api/batteries/${me.id}/${action}`);
    if (opened === me && pending !== null) say(`Mined in block ${sent.block_number} (transaction ${short(sent.tx_hash)}); the state changes when the event arrives through Kafka.`, 'ok');
  } catch (err) {
    if (opened !== me) return;
    pending = null; showToggle(); say(err.message, 'error');
  }
});

$('find').addEventListener('submit', (e) => { e.preventDefault(); openBattery($('battery-id').value); });

// ---- the open battery's recent events ----

const describe = {
  registered: (e) => ['Registered', `built ${e.year_built} in ${e.country}, owner ${short(e.by)}`],
  charged: (e) => ['Charged', `cycle ${e.charge_cycles}, by ${charger(e)}`],
  charge_refused: (e) => ['Charge refused', `tried by ${charger(e)}`],
  locked: (e) => ['Locked', `by its owner ${short(e.by)}`],
  unlocked: (e) => ['Unlocked', `by its owner ${short(e.by)}`],
};
const charger = (e) => (e.by === e.battery ? 'the battery itself' : 'station ' + short(e.by));

// chainOrder compares events as the chain orders them.
const chainOrder = (a, b) => a.block - b.block || a.transaction_index - b.transaction_index || a.log_index - b.log_index;

// addEvent shows a live or loaded event of the open battery in place
// (newest first), or drops it when a reorg retracted it.
function addEvent(ev) {
  const list = $('events');
  for (const li of list.children) if (li.dataset.key === ev.key) { li.remove(); break; }
  if (ev.retracted || !describe[ev.kind]) return showNoEvents();
  const [what, detail] = describe[ev.kind](ev);
  const li = document.createElement('li');
  li.dataset.key = ev.key; li.dataset.kind = ev.kind; li.ev = ev;
  li.className = 'ev ' + ev.kind;
  li.title = (ev.kind === 'charge_refused' ? 'the registry reverted transaction ' : 'transaction ') + ev.transaction_hash;
  li.innerHTML = '<span class="ev-what"></span> <span class="ev-detail"></span><span class="ev-block"></span>';
  li.children[0].textContent = what; li.children[1].textContent = detail; li.children[2].textContent = 'block ' + ev.block;
  const before = [...list.children].find((other) => chainOrder(other.ev, ev) < 0);
  list.insertBefore(li, before || null);
  if (opened.loaded) li.classList.add('flash'); // a live one, not one of the loaded list
  while (list.children.length > maxEvents) list.lastChild.remove();
  showNoEvents();
}

function showNoEvents() { $('no-events').hidden = $('events').children.length > 0; }

function liveEvent(ev) {
  if (!opened || ev.battery !== opened.id) return;
  if (opened.loaded) addEvent(ev); else opened.early.push(ev);
}

// ---- the status table ----

function renderRow(b) {
  let tr = rows.get(b.id);
  if (!b.year_built) { if (tr) { tr.remove(); rows.delete(b.id); } return; }
  if (!tr) {
    tr = document.createElement('tr'); rows.set(b.id, tr);
    tr.dataset.id = b.id; tr.tabIndex = 0; tr.title = 'open this battery';
    const after = [...rows.keys()].sort().find((k) => k > b.id);
    $('batteries').insertBefore(tr, after ? rows.get(after) : null);
    tr.classList.toggle('selected', !!opened && b.id === opened.id);
  }
  tr.innerHTML = `<td class="hash">${b.id}</td><td>${b.year_built}</td><td>${b.country}</td><td>${b.charge_cycles}</td>` +
    `<td class="${b.blocked ? 'blocked' : ''}">${b.blocked ? 'yes' : 'no'}</td><td>${b.block}</td>`;
  tr.classList.remove('flash'); void tr.offsetWidth; tr.classList.add('flash');
  if (opened && b.id === opened.id) showBattery(b);
}

function markSelected() {
  for (const [id, tr] of rows) tr.classList.toggle('selected', !!opened && id === opened.id);
}

$('batteries').addEventListener('click', (e) => {
  const tr = e.target.closest('tr');
  if (!tr) return;
  openBattery(tr.dataset.id);
  // On a narrow screen the panel is above the table: bring it into view.
  const r = $('lookup').getBoundingClientRect();
  if (r.bottom < 0 || r.top > innerHeight) $('lookup').scrollIntoView({ block: 'start' });
});
$('batteries').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && e.target.dataset.id) openBattery(e.target.dataset.id);
});

// ---- the latest blocks ----

// blocksOf is the table body of a block's chain: the demo's, or one of
// the chains shown beside it (GET /api/chains), created on first use.
function blocksOf(chain) {
  if (!chain) return $('blocks');
  const id = 'blocks-' + chain;
  if (!$(id)) {
    const sec = document.createElement('section');
    sec.className = 'other-chain';
    sec.innerHTML = '<h2></h2><table><thead><tr><th>#</th><th>hash</th><th>txs</th><th>gas used</th></tr></thead><tbody></tbody></table>';
    sec.querySelector('h2').textContent = 'Latest blocks — ' + chain;
    sec.querySelector('tbody').id = id;
    $('other-chains').append(sec);
  }
  return $(id);
}

function renderBlock(b) {
  const tbody = blocksOf(b.chain);
  const existing = tbody.querySelector(`tr[data-n="${b.number}"]`);
  if (existing) existing.remove();
  if (b.retracted) return;
  const tr = document.createElement('tr'); tr.dataset.n = b.number;
  tr.innerHTML = `<td>${b.number}</td><td class="hash">${b.hash.slice(0, 18)}…</td><td>${b.transaction_count}</td><td>${b.chain && !b.gas_used ? "—" : b.gas_used}</td>`;
  // A block that replaced an orphaned one (from <chain>.reorgs).
  if (b.reorg) {
    tr.classList.add('reorged');
    if (b.reorg.confirmed_hit) tr.classList.add('confirmed-hit');
    tr.title = `replaced an orphaned block: a reorg of depth ${b.reorg.depth}` + (b.reorg.confirmed_hit ? ' that orphaned confirmed blocks' : '');
    tr.children[0].textContent = `${b.number} ↺`;
  }
  const next = [...tbody.children].find((r) => Number(r.dataset.n) < b.number);
  tbody.insertBefore(tr, next || null);
  while (tbody.children.length > 12) tbody.lastChild.remove();
}

// ---- the demo's enriched sessions and notifications ----

const keep = 8; // rows shown of each

function cell(text, cls) { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; return td; }

function renderSession(s) {
  const tr = document.createElement('tr');
  tr.dataset.session = s.SESSION_ID; tr.title = `session ${s.SESSION_ID}`;
  tr.append(cell(short(s.BATTERY), 'hash'), cell(`${s.CITY} · ${s.OPERATOR}`),
    cell(s.KWH), cell(s.PRICE), cell(s.CHARGE_CYCLES), cell(s.BLOCKED ? 'blocked' : 'ok', s.BLOCKED ? 'blocked' : ''));
  tr.classList.add('flash');
  $('sessions').prepend(tr);
  while ($('sessions').children.length > keep) $('sessions').lastChild.remove();
  $('no-sessions').hidden = true;
}

function renderNotification(n) {
  const li = document.createElement('li');
  li.textContent = `${n.REASON}: battery ${short(n.BATTERY)} at ${n.CITY} (${n.OPERATOR}), session ${n.SESSION_ID}`;
  li.classList.add('flash');
  $('notifications').prepend(li);
  while ($('notifications').children.length > keep) $('notifications').lastChild.remove();
  $('no-notifications').hidden = true;
}

// load fetches the table and the blocks; after a reconnection it also
// reopens the open battery, since events may have been missed meanwhile.
async function load() {
  for (const b of await api('GET', '/api/batteries')) renderRow(b);
  for (const b of (await api('GET', '/api/blocks')).reverse()) renderBlock(b);
  for (const c of await api('GET', '/api/chains')) {
    blocksOf(c.name).closest('section').querySelector('h2').textContent = `Latest blocks — ${c.name} (${c.family})`;
    for (const b of (await api('GET', `/api/chains/${encodeURIComponent(c.name)}/blocks`)).reverse()) renderBlock(b);
  }
  $('sessions').replaceChildren(); $('notifications').replaceChildren();
  for (const s of (await api('GET', '/api/sessions?limit=' + keep)).reverse()) renderSession(s);
  for (const n of (await api('GET', '/api/notifications?limit=' + keep)).reverse()) renderNotification(n);
}

async function start() {
  const info = await api('GET', '/api/info');
  if (info.events_topic) $('src-events').textContent = info.events_topic;
  await load();
  const es = new EventSource('/api/stream');
  let lost = false;
  es.onopen = () => {
    $('conn').textContent = 'live';
    if (!lost) return;
    lost = false;
    load().then(() => opened && openBattery(opened.id)).catch((err) => say(err.message, 'error'));
  };
  es.onerror = () => { $('conn').textContent = 'reconnecting…'; lost = true; };
  es.addEventListener('battery', (e) => renderRow(JSON.parse(e.data)));
  es.addEventListener('battery_event', (e) => liveEvent(JSON.parse(e.data)));
  es.addEventListener('block', (e) => renderBlock(JSON.parse(e.data)));
  es.addEventListener('session', (e) => renderSession(JSON.parse(e.data)));
  es.addEventListener('notification', (e) => renderNotification(JSON.parse(e.data)));
  const fromURL = decodeURIComponent(location.hash.slice(1));
  if (/^0x[0-9a-fA-F]{40}$/.test(fromURL)) openBattery(fromURL);
}
start().catch((err) => say(err.message, 'error'));
