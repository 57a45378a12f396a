// The live page: a battery lookup with lock/unlock, the latest blocks and
// the battery-status table, all updated by server-sent events.
const $ = (id) => document.getElementById(id);
const rows = new Map();
let current = null;

function say(text, cls) { const m = $('message'); m.textContent = text; m.className = cls || ''; }

async function api(method, path) {
  const r = await fetch(path, { method });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

function showBattery(b) {
  current = b.id;
  $('battery').hidden = false; $('actions').hidden = false;
  $('b-id').textContent = b.id; $('b-year').textContent = b.year_built; $('b-country').textContent = b.country;
  $('b-cycles').textContent = b.charge_cycles; $('b-owner').textContent = b.owner;
  $('b-blocked').textContent = 'blocked: ' + b.blocked;
  $('b-blocked').className = b.blocked ? 'blocked' : '';
}

$('find').addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = $('battery-id').value.trim();
  try { showBattery(await api('GET', '/api/batteries/' + encodeURIComponent(id))); say(''); }
  catch (err) { $('battery').hidden = true; $('actions').hidden = true; current = null; say(err.message, 'error'); }
});

for (const [button, action] of [['lock', 'lock'], ['unlock', 'unlock']]) {
  $(button).addEventListener('click', async () => {
    if (!current) return;
    say(action === 'lock' ? 'Locking… (waiting for the block)' : 'Unlocking… (waiting for the block)');
    try { await api('POST', `/api/batteries/${current}/${action}`); say('Sent and sealed; the status updates when the event arrives through Kafka.', 'ok'); }
    catch (err) { say(err.message, 'error'); }
  });
}

function renderRow(b) {
  let tr = rows.get(b.id);
  if (!b.year_built) { if (tr) { tr.remove(); rows.delete(b.id); } return; }
  if (!tr) {
    tr = document.createElement('tr'); rows.set(b.id, tr);
    const after = [...rows.keys()].sort().find((k) => k > b.id);
    $('batteries').insertBefore(tr, after ? rows.get(after) : null);
  }
  tr.innerHTML = `<td class="hash">${b.id}</td><td>${b.year_built}</td><td>${b.country}</td><td>${b.charge_cycles}</td>` +
    `<td class="${b.blocked ? 'blocked' : ''}">${b.blocked}</td><td>${b.block}</td>`;
  tr.classList.remove('flash'); void tr.offsetWidth; tr.classList.add('flash');
  if (b.id.toLowerCase() === (current || '').toLowerCase()) showBattery(b);
}

function renderBlock(b) {
  const tbody = $('blocks');
  const existing = tbody.querySelector(`tr[data-n="${b.number}"]`);
  if (existing) existing.remove();
  if (b.retracted) return;
  const tr = document.createElement('tr'); tr.dataset.n = b.number;
  tr.innerHTML = `<td>${b.number}</td><td class="hash">${b.hash.slice(0, 18)}…</td><td>${b.transaction_count}</td><td>${b.gas_used}</td>`;
  const next = [...tbody.children].find((r) => Number(r.dataset.n) < b.number);
  tbody.insertBefore(tr, next || null);
  while (tbody.children.length > 12) tbody.lastChild.remove();
}

async function start() {
  for (const b of await api('GET', '/api/batteries')) renderRow(b);
  for (const b of (await api('GET', '/api/blocks')).reverse()) renderBlock(b);
  const es = new EventSource('/api/stream');
  es.onopen = () => { $('conn').textContent = 'live'; };
  es.onerror = () => { $('conn').textContent = 'reconnecting…'; };
  es.addEventListener('battery', (e) => renderRow(JSON.parse(e.data)));
  es.addEventListener('block', (e) => renderBlock(JSON.parse(e.data)));
}
start().catch((err) => say(err.message, 'error'));
