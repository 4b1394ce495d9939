// erg serve's page: a client of the HTTP API (docs/api.md) like any other. The state (network,
// layers, hardware, options) lives in `state`, is drawn into the form, and is written to the URL's
// fragment after each estimate, so that a link reproduces the same estimate.
'use strict';

const $ = (id) => document.getElementById(id);
const TENSORS = [['weights', 'W'], ['inputs', 'I'], ['outputs', 'O']];
const OPTION_FIELDS = ['dataflow', 'objective', 'batch', 'wbits', 'abits', 'weight_density',
                       'act_density'];

const state = {
  source: 'zoo',         // 'zoo': the zoo network `network`; 'layers': the table
  network: 'alexnet',
  name: 'my-network',
  layers: [],            // erg network JSON layers (docs/formats.md §1)
  arch: 'eyeriss',       // a preset's name, or '' for `archYaml`
  archYaml: '',
  sparsityMode: 'density',
  options: {dataflow: 'rs', objective: 'energy'},
};
let zoo = [];
let archs = [];
let running = null;       // the AbortController of the estimate in flight
let downloads = [];       // object URLs to revoke

// ---------------------------------------------------------------------------------------------
// Numbers as the CLI prints them: three significant digits and k, M, G, T, P.

function human(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (v === 0) return '0';
  const units = ['', ' k', ' M', ' G', ' T', ' P', ' E'];
  let a = Math.abs(v);
  let k = 0;
  while (a >= 999.5 && k < units.length - 1) { a /= 1000; ++k; }
  const sign = v < 0 ? '-' : '';
  if (k === 0) return sign + String(Number(a.toPrecision(3)));
  const decimals = a < 9.995 ? 2 : (a < 99.95 ? 1 : 0);
  return sign + a.toFixed(decimals) + units[k];
}
const percent = (part, whole) => (whole > 0 ? (100 * part / whole).toFixed(1) + ' %' : '–');

// ---------------------------------------------------------------------------------------------
// The API.

class ApiError extends Error {}

async function api(url, options = {}) {
  let response;
  try {
    response = await fetch(url, options);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(`cannot reach erg serve (${e.message}); is it still running?`);
  }
  const type = response.headers.get('Content-Type') || '';
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    if (type.startsWith('application/json')) {
      const body = await response.json();
      if (body && body.error) message = body.error;
    }
    throw new ApiError(message);
  }
  return type.startsWith('application/json') ? response.json() : response.text();
}

const postJson = (url, body, signal) => api(url, {
  method: 'POST', headers: {'Content-Type': 'application/json'}, body, signal});

// ---------------------------------------------------------------------------------------------
// Status and errors.

function showError(message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = !message;
}

function setStatus(text) { $('status').textContent = text; }

// ---------------------------------------------------------------------------------------------
// The layer table: one row per layer, every input edits `state.layers` in place.

const pairText = (v) => (Array.isArray(v) ? (v[0] === v[1] ? String(v[0]) : `${v[0]}x${v[1]}`)
                                          : String(v ?? 1));
function padText(p) {
  if (!Array.isArray(p)) return String(p ?? 0);
  if (p.length === 4 && p.every((x) => x === p[0])) return String(p[0]);
  return p.join(' ');
}
const positiveInt = (s) => (/^\d+$/.test(s) && Number(s) >= 1 ? Number(s) : null);
const nonNegativeInt = (s) => (/^\d+$/.test(s) ? Number(s) : null);
function parsePair(s) {
  const parts = s.trim().split(/\s*[x×,\s]\s*/i).filter((x) => x !== '');
  if (parts.length < 1 || parts.length > 2) return null;
  const v = parts.map(positiveInt);
  if (v.includes(null)) return null;
  return v.length === 1 ? [v[0], v[0]] : v;
}
function parsePad(s) {
  const parts = s.trim().split(/[\s,]+/).filter((x) => x !== '');
  const v = parts.map(nonNegativeInt);
  if (v.includes(null)) return null;
  if (v.length === 1) return [v[0], v[0], v[0], v[0]];
  if (v.length === 2) return [v[0], v[0], v[1], v[1]];
  if (v.length === 4) return v;
  return null;
}

// Element counts of a layer's tensors (docs/model.md §2), for non-zero counts ↔ densities.
function outSize(inSize, filter, stride, dilation, padBefore, padAfter) {
  return Math.floor((inSize + padBefore + padAfter - (dilation * (filter - 1) + 1)) / stride) + 1;
}
function tensorSizes(l) {
  const type = l.type || 'conv';
  const fcLike = type === 'fc' || type === 'matmul';
  const inHW = l.in ?? (fcLike ? [1, 1] : null);
  if (!inHW) return null;
  const filter = l.filter ?? (type === 'fc' ? inHW : [1, 1]);
  const stride = l.stride ?? [1, 1];
  const dilation = l.dilation ?? [1, 1];
  const pad = l.pad ?? [0, 0, 0, 0];
  const n = l.batch ?? 1;
  const c = l.in_channels;
  const m = l.out_channels ?? (type === 'depthwise' ? c : null);
  const g = l.groups ?? (type === 'depthwise' ? c : 1);
  if (!c || !m || !g) return null;
  const p = outSize(inHW[0], filter[0], stride[0], dilation[0], pad[0], pad[1]);
  const q = outSize(inHW[1], filter[1], stride[1], dilation[1], pad[2], pad[3]);
  if (p < 1 || q < 1 || c % g || m % g) return null;
  // erg's rules (src/workload/layer.cpp): one input channel per depthwise group; an FC filter
  // covers its input.
  if (type === 'depthwise' && g !== c) return null;
  if (type === 'fc' && (filter[0] !== inHW[0] || filter[1] !== inHW[1])) return null;
  return {
    weights: m * (c / g) * filter[0] * filter[1],
    inputs: n * c * inHW[0] * inHW[1],
    outputs: n * m * p * q,
    macs: n * m * (c / g) * p * q * filter[0] * filter[1],
  };
}

// Fills a layer's defaults so that every cell has a value to show.
function normaliseLayer(l) {
  const type = l.type || 'conv';
  const out = {...l, type};
  out.batch = l.batch ?? 1;
  if (type === 'depthwise') out.out_channels = l.out_channels ?? l.in_channels;
  out.groups = l.groups ?? (type === 'depthwise' ? l.in_channels : 1);
  out.in = l.in ?? [1, 1];
  out.filter = l.filter ?? (type === 'fc' ? out.in : [1, 1]);
  out.stride = l.stride ?? [1, 1];
  out.dilation = l.dilation ?? [1, 1];
  out.pad = l.pad ?? [0, 0, 0, 0];
  for (const [t] of TENSORS) out[t] = {bits: 16, density: 1, ...(l[t] || {})};
  return out;
}

const COLUMNS = [
  // [key, header, title, kind]
  ['name', 'name', 'Layer name (unique)', 'name'],
  ['type', 'type', 'conv, depthwise, fc or matmul', 'type'],
  ['batch', 'N', 'Batch (N)', 'int'],
  ['in_channels', 'C', 'Input channels (total)', 'int'],
  ['out_channels', 'M', 'Output channels (total)', 'int'],
  ['groups', 'G', 'Groups', 'int'],
  ['in', 'in H×W', 'Input height and width', 'pair'],
  ['filter', 'filter R×S', 'Filter height and width', 'pair'],
  ['stride', 'stride', 'Stride', 'pair'],
  ['pad', 'pad', 'Padding: all sides, or top bottom left right', 'pad'],
  ['dilation', 'dilation', 'Dilation', 'pair'],
];

function layerHeader() {
  const head = $('layer-table').tHead;
  head.replaceChildren();
  const row = head.insertRow();
  const th = (text, title) => {
    const cell = document.createElement('th');
    cell.scope = 'col';
    cell.textContent = text;
    if (title) cell.title = title;
    row.append(cell);
  };
  th('#');
  for (const [, header, title] of COLUMNS) th(header, title);
  const counts = state.sparsityMode === 'count';
  for (const [t, short] of TENSORS) {
    th(`${short} bits`, `${t} bitwidth`);
    th(counts ? `${short} non-zero` : `${short} density`,
       counts ? `number of non-zero ${t}` : `fraction of non-zero ${t}, 0..1`);
  }
  th('MACs', 'dense MACs, from the shape');
  th('');
}

function cellInput(label, value, className, onChange) {
  const input = document.createElement('input');
  input.value = value;
  input.className = className;
  input.setAttribute('aria-label', label);
  input.addEventListener('change', () => onChange(input));
  return input;
}

// Marks a cell valid or not; the message shows under the table (and is the cell's description).
function invalid(input, message) {
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
  input.title = message || '';
  if (message) {
    $('cell-error').textContent = `${input.getAttribute('aria-label')}: ${message}`;
    input.setAttribute('aria-describedby', 'cell-error');
  } else {
    input.removeAttribute('aria-describedby');
    const bad = $('layer-table').querySelector('[aria-invalid="true"]');
    $('cell-error').textContent = bad ? `${bad.getAttribute('aria-label')}: ${bad.title}` : '';
  }
  return !message;
}

function renderLayerRow(tbody, index) {
  const l = state.layers[index];
  const row = tbody.insertRow();
  const label = (what) => `layer ${index + 1} (${l.name}) ${what}`;
  row.insertCell().textContent = String(index + 1);
  const macsCell = () => row.cells[row.cells.length - 2];
  const refresh = () => {
    const sizes = tensorSizes(l);
    macsCell().textContent = sizes ? human(sizes.macs) : '?';
    macsCell().title = sizes ? '' : 'not a valid layer: check the shape, groups and type';
    if (state.sparsityMode === 'count') {
      for (const [t, , input] of countInputs) {
        if (sizes && document.activeElement !== input)
          input.value = String(Math.round(l[t].density * sizes[t]));
      }
    }
  };
  const countInputs = [];
  for (const [key, header, , kind] of COLUMNS) {
    const cell = row.insertCell();
    if (kind === 'type') {
      const select = document.createElement('select');
      for (const t of ['conv', 'depthwise', 'fc', 'matmul']) select.add(new Option(t, t));
      select.value = l.type;
      select.setAttribute('aria-label', label('type'));
      select.addEventListener('change', () => {
        // A new type brings its rules along (docs/model.md §2), so the row stays a valid layer.
        l.type = select.value;
        if (l.type === 'depthwise') {
          l.groups = l.in_channels;
          if (!l.out_channels || l.out_channels % l.in_channels) l.out_channels = l.in_channels;
        } else if (l.type === 'fc' || l.type === 'matmul') {
          l.filter = l.type === 'fc' ? [...l.in] : [1, 1];
          Object.assign(l, {groups: 1, stride: [1, 1], dilation: [1, 1], pad: [0, 0, 0, 0]});
        }
        renderLayers();
        $('layer-table').tBodies[0].rows[index].querySelector('select').focus();
      });
      cell.append(select);
      continue;
    }
    const text = kind === 'pair' ? pairText(l[key]) : kind === 'pad' ? padText(l[key])
                                                                     : String(l[key] ?? '');
    const className = kind === 'int' ? 'num' : kind;
    const input = cellInput(label(header), text, className, (input) => {
      const s = input.value;
      if (kind === 'name') {
        if (invalid(input, s.trim() ? '' : 'a layer needs a name')) {
          const old = `layer ${index + 1} (${l.name}) `;
          l.name = s.trim();
          for (const el of row.querySelectorAll('[aria-label]')) {
            const a = el.getAttribute('aria-label');
            el.setAttribute('aria-label', a.replace(old, `layer ${index + 1} (${l.name}) `));
          }
        }
      } else if (kind === 'int') {
        const v = positiveInt(s.trim());
        if (invalid(input, v === null ? 'a positive integer' : '')) l[key] = v;
      } else if (kind === 'pair') {
        const v = parsePair(s);
        if (invalid(input, v === null ? 'one positive integer, or HxW' : '')) {
          l[key] = v;
          if (key === 'in' && l.type === 'fc') {  // an FC filter covers its input
            l.filter = [...v];
            row.querySelector('input[data-key="filter"]').value = pairText(v);
          }
        }
      } else {
        const v = parsePad(s);
        if (invalid(input, v === null ? 'one number, or top bottom left right' : '')) l[key] = v;
      }
      refresh();
      updateLayerSummary();
    });
    input.dataset.key = key;
    cell.append(input);
  }
  for (const [t, short] of TENSORS) {
    row.insertCell().append(cellInput(label(`${t} bits`), String(l[t].bits), 'bits', (input) => {
      const v = positiveInt(input.value.trim());
      if (invalid(input, v === null || v > 64 ? 'bits in 1..64' : '')) l[t].bits = v;
    }));
    const cell = row.insertCell();
    if (state.sparsityMode === 'count') {
      const sizes = tensorSizes(l);
      const value = sizes ? String(Math.round(l[t].density * sizes[t])) : '';
      const input = cellInput(label(`non-zero ${t}`), value, 'count', () => {
        const sz = tensorSizes(l);
        const v = nonNegativeInt(input.value.trim());
        const bad = !sz ? 'fix the shape first' : v === null || v > sz[t]
          ? `an integer in 0..${sz[t]}` : '';
        if (invalid(input, bad)) l[t].density = v / sz[t];
      });
      countInputs.push([t, short, input]);
      cell.append(input);
    } else {
      // Shown to 6 digits (0.207, not 0.20700000000000007); the exact value is kept until edited.
      const shown = String(Number(l[t].density.toPrecision(6)));
      cell.append(cellInput(label(`${t} density`), shown, 'dens', (input) => {
        const v = Number(input.value.trim());
        const ok = input.value.trim() !== '' && v >= 0 && v <= 1;
        if (invalid(input, ok ? '' : 'a fraction in 0..1')) l[t].density = v;
      }));
    }
  }
  const macs = row.insertCell();
  macs.className = 'computed';
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.textContent = '✕';
  remove.className = 'remove';
  remove.title = 'Remove this layer';
  remove.setAttribute('aria-label', `Remove layer ${index + 1} (${l.name})`);
  remove.addEventListener('click', () => {
    state.layers.splice(index, 1);
    renderLayers();
    // Keep the keyboard where it was: the next row's button, else the previous one's.
    const buttons = $('layer-table').tBodies[0].querySelectorAll('button');
    const next = buttons[Math.min(index, buttons.length - 1)];
    (next || $('add-row')).focus();
  });
  row.insertCell().append(remove);
  refresh();
}

function renderLayers() {
  layerHeader();
  const tbody = $('layer-table').tBodies[0];
  tbody.replaceChildren();
  state.layers.forEach((_, i) => renderLayerRow(tbody, i));
  updateLayerSummary();
}

function updateLayerSummary() {
  let macs = 0;
  let weights = 0;
  for (const l of state.layers) {
    const s = tensorSizes(l);
    if (s) { macs += s.macs; weights += s.weights; }
  }
  $('layer-summary').textContent =
    `${state.layers.length} layers, ${human(macs)} MACs, ${human(weights)} weights`;
}

function useLayers(net, name) {
  state.layers = (net.layers || []).map(normaliseLayer);
  state.name = name || net.network || 'my-network';
  $('net-name').value = state.name;
  setSource('layers');
  renderLayers();
}

function setSource(source) {
  state.source = source;
  for (const r of document.querySelectorAll('input[name=source]')) r.checked = r.value === source;
  $('layers-panel').hidden = source !== 'layers';
}

function showZooInfo() {
  const n = zoo.find((z) => z.name === $('network').value);
  $('zoo-info').textContent = n ? `${n.layers} layers, ${human(n.macs)} MACs, ` +
                                  `${human(n.weights)} weights` : '';
}

// ---------------------------------------------------------------------------------------------
// Hardware.

function selectArch(name) {
  state.arch = name;
  $('arch').value = name || '';
  const preset = archs.find((a) => a.name === name);
  if (preset) {
    $('arch-yaml').value = preset.yaml;
    $('arch-info').textContent = `${preset.pes} PEs; levels ${preset.levels.join(', ')}`;
  } else {
    $('arch-info').textContent = 'your architecture, from the YAML below';
  }
}

function useArchYaml(text) {
  state.arch = '';
  state.archYaml = text;
  $('arch-yaml').value = text;
  $('arch').value = '';
  selectArch('');
}

// ---------------------------------------------------------------------------------------------
// The URL: the state as fragment parameters; layers and architecture YAML compressed.

async function pack(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function unpack(packed) {
  const b64 = packed.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Response(stream).text();
}

async function stateToFragment() {
  const p = new URLSearchParams();
  if (state.source === 'zoo') {
    p.set('network', state.network);
  } else {
    p.set('layers', await pack(JSON.stringify({network: state.name, layers: state.layers})));
  }
  if (state.arch) p.set('arch', state.arch);
  else p.set('arch_yaml', await pack(state.archYaml));
  for (const k of OPTION_FIELDS) {
    const v = state.options[k];
    if (v !== undefined && v !== '') p.set(k, String(v));
  }
  return '#' + p.toString();
}

async function stateFromFragment() {
  try {
    return await readFragment();
  } catch (e) {
    throw new Error(`this link's state could not be read (${e.message}); ` +
                    'the form shows what could be');
  }
}

const FRAGMENT_KEYS = ['network', 'layers', 'arch', 'arch_yaml', ...OPTION_FIELDS];

async function readFragment() {
  const p = new URLSearchParams(location.hash.slice(1));
  // In-page anchors (#results, #api) are not states.
  if (![...p.keys()].some((k) => FRAGMENT_KEYS.includes(k))) return false;
  if (p.has('layers')) {
    const net = JSON.parse(await unpack(p.get('layers')));
    useLayers(net, net.network);
  } else if (p.has('network')) {
    state.network = p.get('network');
    $('network').value = state.network;
    setSource('zoo');
    showZooInfo();
  }
  if (p.has('arch_yaml')) useArchYaml(await unpack(p.get('arch_yaml')));
  else if (p.has('arch')) selectArch(p.get('arch'));
  // The link's options, and the defaults for those it leaves out (not what the form had).
  const defaults = {dataflow: 'rs', objective: 'energy'};
  for (const k of OPTION_FIELDS) {
    let v = p.has(k) ? p.get(k) : (defaults[k] ?? '');
    if (k === 'dataflow' && v === 'os') v = 'os_b';  // erg's alias
    state.options[k] = v;
    $(k).value = v;
    if ($(k).value !== v) throw new Error(`unknown ${k} '${v}'`);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The request, from the form.

function readOptions() {
  const o = {};
  for (const k of OPTION_FIELDS) {
    // A number field holding text that is not a number reads as '': say so, do not drop it.
    if ($(k).validity && $(k).validity.badInput) {
      $(k).focus();
      throw new ApiError(`${$(k).labels[0].firstChild.textContent.trim()}: not a number`);
    }
    o[k] = $(k).value.trim();
  }
  state.options = o;
  const request = {};
  if (state.source === 'zoo') {
    request.network = state.network;
  } else {
    const bad = $('layer-table').querySelector('[aria-invalid="true"]');
    if (bad) {
      bad.focus();
      throw new ApiError(`${bad.getAttribute('aria-label')}: ${bad.title}`);
    }
    if (state.layers.length === 0) throw new ApiError('the layer table is empty: add a layer');
    request.name = state.name;
    request.layers = structuredClone(state.layers);  // edits during the run change the next one
  }
  request.arch = state.arch || state.archYaml;
  request.dataflow = o.dataflow;
  request.objective = o.objective;
  const ints = {batch: [1, 1 << 20], wbits: [1, 64], abits: [1, 64]};
  for (const [k, [lo, hi]] of Object.entries(ints)) {
    if (o[k] === '') continue;
    const v = Number(o[k]);
    if (!Number.isInteger(v) || v < lo || v > hi)
      throw new ApiError(`${$(k).labels[0].firstChild.textContent.trim()}: an integer in ` +
                         `${lo}..${hi}, got '${o[k]}'`);
    request[k] = v;
  }
  for (const k of ['weight_density', 'act_density']) {
    if (o[k] === '') continue;
    const v = Number(o[k]);
    if (!(v >= 0 && v <= 1))
      throw new ApiError(`${$(k).labels[0].firstChild.textContent.trim()}: a fraction in 0..1, ` +
                         `got '${o[k]}'`);
    request[k] = v;
  }
  return request;
}

// ---------------------------------------------------------------------------------------------
// Results.

function tableFrom(table, head, rows, total) {
  table.replaceChildren();
  const thead = table.createTHead();
  for (const headRow of head) {
    const tr = thead.insertRow();
    for (const h of headRow) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = h.text ?? h;
      if (h.span) { th.colSpan = h.span; th.className = 'group'; }
      tr.append(th);
    }
  }
  const tbody = table.createTBody();
  const add = (cells, className) => {
    const tr = tbody.insertRow();
    if (className) tr.className = className;
    cells.forEach((c, i) => {
      const cell = i === 0 ? document.createElement('th') : tr.insertCell();
      if (i === 0) { cell.scope = 'row'; tr.append(cell); }
      if (c instanceof Node) {
        cell.append(c);
      } else if (typeof c === 'object' && c !== null) {
        cell.textContent = c.text;
        if (c.className) cell.className = c.className;
        if (c.share !== undefined) cell.style.setProperty('--share', `${c.share}%`);
        if (c.title) cell.title = c.title;
      } else {
        cell.textContent = c;
      }
    });
  };
  for (const r of rows) add(r);
  if (total) add(total, 'total');
}

function levelNames(est) {
  // The CSV's header lists the levels in the chart's order; the JSON object keeps them too.
  return Object.keys(est.total.energy_by_level);
}

// A layer's mapping: the one-line summary, and on demand its loop nest level by level.
function mappingDetails(l) {
  const details = document.createElement('details');
  details.className = 'loops';
  const summary = document.createElement('summary');
  summary.textContent = l.mapping;
  const pre = document.createElement('pre');
  const loops = (list) => (list.length ? list.map(([d, n]) => `${d}${n}`).join(' ') : '–');
  pre.textContent = (l.mapping_loops || []).map((lv) =>
    `${lv.level.padEnd(6)} temporal ${loops(lv.temporal)}; spatial x ${loops(lv.spatial_x)}, ` +
    `y ${loops(lv.spatial_y)}; keeps ${lv.keep.join(', ') || 'nothing'}`).join('\n');
  details.append(summary, pre);
  return details;
}

function renderResults(est, svg, csv, request, scroll) {
  const t = est.total;
  const e = t.energy;
  $('summary').textContent =
    `${est.network} on ${est.arch}, dataflow ${est.dataflow}, objective ${est.objective}, ` +
    `batch ${est.batch}; energy in units of ${est.unit}.`;
  const levels = levelNames(est);
  const cards = [
    ['Total energy', human(e.total), `${human(e.total / Math.max(1, t.macs))} per MAC`],
    ['Computation', human(e.compute), percent(e.compute, e.total), 'compute'],
    ['Weights', human(e.weights), percent(e.weights, e.total), 'weights'],
    ['Input feature maps', human(e.ifmap), percent(e.ifmap, e.total), 'ifmap'],
    ['Output feature maps', human(e.ofmap), percent(e.ofmap, e.total), 'ofmap'],
    ...levels.map((l) => [`Level ${l}`, human(t.energy_by_level[l]),
                          percent(t.energy_by_level[l], e.total)]),
    ['MACs', human(t.macs), `${human(t.nonzero_macs)} non-zero`],
    ['Cycles', human(t.cycles), `utilisation ${(100 * t.utilization).toFixed(1)} %`],
  ];
  const dl = $('totals');
  dl.replaceChildren();
  for (const [title, value, note, swatch] of cards) {
    const div = document.createElement('div');
    const dt = document.createElement('dt');
    if (swatch) {
      const s = document.createElement('span');
      s.className = 'type-swatch';  // not 'swatch': the chart's inline <style> owns that class
      s.style.background = `var(--${swatch})`;
      dt.append(s);
    }
    dt.append(title);
    const dd = document.createElement('dd');
    dd.textContent = value;
    const small = document.createElement('small');
    small.textContent = note;
    dd.append(small);
    div.append(dt, dd);
    dl.append(div);
  }

  $('chart-svg').innerHTML = svg;  // erg's own SVG (XML-escaped text), same origin

  const share = (x) => ({text: percent(x, e.total), className: 'share',
                         share: e.total > 0 ? (100 * x / e.total).toFixed(2) : 0});
  const typeRow = (r) => [r.name, r.type, human(r.macs), human(r.nonzero_macs), human(r.weights),
                          human(r.energy.total), human(r.energy.compute), human(r.energy.weights),
                          human(r.energy.ifmap), human(r.energy.ofmap), share(r.energy.total)];
  tableFrom($('by-type'), [
    [{text: '', span: 2}, {text: 'counts', span: 3}, {text: `energy (${est.unit})`, span: 5},
     {text: '', span: 1}],
    ['layer', 'type', 'MACs', 'non-zero MACs', 'weights', 'total', 'computation', 'weights',
     'ifmap', 'ofmap', 'share']],
    est.layers.map(typeRow), typeRow({...t, name: 'TOTAL', type: ''}));

  const levelRow = (r) => [r.name, ...levels.map((l) => human(r.energy_by_level[l])),
                           human(r.energy.total), share(r.energy.total)];
  tableFrom($('by-level'), [
    [{text: '', span: 1}, {text: `energy by level (${est.unit})`, span: levels.length},
     {text: '', span: 2}],
    ['layer', ...levels, 'total', 'share']],
    est.layers.map(levelRow), levelRow({...t, name: 'TOTAL'}));

  tableFrom($('mappings'), [[
    'layer', 'dataflow', 'mapping (outermost level first)', 'active PEs', 'cycles',
    'utilisation', 'search']],
    est.layers.map((l) => [
      l.name, l.mapper.dataflow, mappingDetails(l), String(l.active_pes),
      human(l.cycles), `${(100 * l.utilization).toFixed(1)} %`,
      {text: l.mapper.optimal ? 'optimal' : (l.mapper.heuristic ? 'heuristic' : 'best so far'),
       title: `mapspace ${l.mapper.mapspace}, evaluated ${l.mapper.evaluated}, pruned by bound ` +
              `${l.mapper.pruned_by_bound}, ${l.mapper.seconds.toFixed(3)} s`}]));

  for (const url of downloads) URL.revokeObjectURL(url);
  downloads = [];
  const base = `${est.network}-${est.arch}-${est.dataflow}`.replace(/[^A-Za-z0-9_.-]+/g, '_');
  const link = (id, text, type, name) => {
    const url = URL.createObjectURL(new Blob([text], {type}));
    downloads.push(url);
    $(id).href = url;
    $(id).download = name;
  };
  link('dl-json', JSON.stringify(est, null, 2) + '\n', 'application/json', `${base}.json`);
  link('dl-csv', csv, 'text/csv', `${base}.csv`);
  link('dl-svg', svg, 'image/svg+xml', `${base}.svg`);
  const net = request.layers
    ? {version: 1, network: request.name, layers: request.layers}
    : null;
  $('dl-net').hidden = !net;
  if (net) link('dl-net', JSON.stringify(net, null, 2) + '\n', 'application/json',
                `${request.name.replace(/[^A-Za-z0-9_.-]+/g, '_')}.json`);
  if ($('results').hidden) {
    $('results').hidden = false;
    if (scroll) $('results').scrollIntoView({block: 'start'});  // the first results: show them
  }
}

// Runs the estimate the form describes; `scroll` brings the first results into view (a user's
// click, not the page's own first run).
async function run(scroll = true) {
  showError('');
  for (const row of $('layer-table').querySelectorAll('tr.bad-row')) row.classList.remove('bad-row');
  let request;
  try {
    request = readOptions();
  } catch (e) {
    showError(e.message);
    return;
  }
  if (running) running.abort();
  const controller = new AbortController();
  running = controller;
  const started = performance.now();
  const layerCount = request.layers ? request.layers.length
    : (zoo.find((z) => z.name === request.network) || {}).layers;
  setStatus(`Estimating: mapping ${layerCount ?? ''} layers…`);
  // The seconds go to a span screen readers skip: the status is announced once.
  const ticker = setInterval(() => {
    $('elapsed').textContent = `${((performance.now() - started) / 1000).toFixed(0)} s`;
  }, 1000);
  $('results').setAttribute('aria-busy', 'true');
  try {
    const fragment = await stateToFragment();  // the state this estimate is of
    const body = JSON.stringify(request);
    // The JSON first (it maps the layers); the chart and the CSV then come from the cache.
    const est = await postJson('/api/estimate', body, controller.signal);
    const [svg, csv] = await Promise.all([
      postJson('/api/estimate.svg', body, controller.signal),
      postJson('/api/estimate.csv', body, controller.signal)]);
    renderResults(est, svg, csv, request, scroll);
    history.replaceState(null, '', fragment);
    // How many estimates this page has shown: lets a script (tests/e2e) wait for the next one.
    $('results').dataset.estimates = String(Number($('results').dataset.estimates || 0) + 1);
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const optimal = est.layers.every((l) => l.mapper.optimal);
    setStatus(`Done in ${seconds} s: ${est.layers.length} layers, ` +
              (optimal ? 'every mapping proven optimal.'
                       : 'some mappings not proven optimal (the search hit its time limit).'));
  } catch (e) {
    if (e.name === 'AbortError') return;
    setStatus('');
    showError(e.message);
    // "layers[i]: ..." is about a row of the table: mark it and bring it into view.
    const m = /^layers\[(\d+)\]/.exec(e.message);
    const row = m && request.layers ? $('layer-table').tBodies[0].rows[Number(m[1])] : null;
    if (row) {
      row.classList.add('bad-row');
      row.scrollIntoView({block: 'nearest'});
    }
  } finally {
    clearInterval(ticker);
    if (running === controller) {
      running = null;
      $('elapsed').textContent = '';
      $('results').removeAttribute('aria-busy');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Uploads.

async function importFile(file) {
  showError('');
  $('import-notes').hidden = true;
  setStatus(`Importing ${file.name}…`);
  try {
    const net = await api(`/api/import?filename=${encodeURIComponent(file.name)}`, {
      method: 'POST', headers: {'Content-Type': 'application/octet-stream'},
      body: await file.arrayBuffer()});
    const stem = file.name.replace(/\.[^.]*$/, '');
    useLayers(net, net.network || stem);
    const notes = [];
    for (const o of net.not_modelled || []) notes.push(`not modelled: ${o.count} × ${o.op}`);
    for (const w of net.warnings || []) notes.push(w);
    if (notes.length) {
      const box = $('import-notes');
      box.replaceChildren(`${file.name}:`);
      const ul = document.createElement('ul');
      for (const n of notes) {
        const li = document.createElement('li');
        li.textContent = n;
        ul.append(li);
      }
      box.append(ul);
      box.hidden = false;
    }
    setStatus(`Imported ${net.layers.length} layers from ${file.name} (${net.format}).`);
  } catch (e) {
    setStatus('');
    // The server's messages name the upload already.
    showError(e.message.includes(file.name) ? e.message : `${file.name}: ${e.message}`);
  }
}

// ---------------------------------------------------------------------------------------------

async function init() {
  [zoo, archs] = await Promise.all([api('/api/zoo'), api('/api/archs')]);
  for (const n of zoo) {
    $('network').add(new Option(`${n.name} — ${n.description}`, n.name));
  }
  for (const a of archs) $('arch').add(new Option(`${a.name} (${a.pes} PEs)`, a.name));
  $('arch').add(new Option('your own (YAML)', ''));
  $('network').value = state.network;
  selectArch(state.arch);
  showZooInfo();

  $('network').addEventListener('change', () => {
    state.network = $('network').value;
    setSource('zoo');
    showZooInfo();
  });
  for (const r of document.querySelectorAll('input[name=source]')) {
    r.addEventListener('change', async () => {
      if (r.value === 'layers' && state.layers.length === 0) {
        const wanted = state.network;
        try {
          const net = await api(`/api/zoo/${encodeURIComponent(wanted)}`);
          // Only if the user still wants the table of that network.
          if (document.querySelector('input[name=source][value=layers]').checked &&
              state.network === wanted && state.layers.length === 0) useLayers(net, net.network);
        } catch (e) {
          showError(e.message);
          setSource(state.source);
        }
      } else {
        setSource(r.value);
      }
    });
  }
  $('edit-zoo').addEventListener('click', async () => {
    if (state.layers.length && !window.confirm(
        `Replace the ${state.layers.length} layers in the table with ${$('network').value}'s?`))
      return;
    try {
      const net = await api(`/api/zoo/${encodeURIComponent($('network').value)}`);
      useLayers(net, net.network);
      $('layer-table').querySelector('input')?.focus();
    } catch (e) {
      showError(e.message);
    }
  });
  $('import').addEventListener('change', () => {
    const file = $('import').files[0];
    if (file) importFile(file);
    $('import').value = '';  // the same file again is a new change
  });
  $('net-name').addEventListener('change', () => { state.name = $('net-name').value.trim(); });
  $('sparsity-mode').addEventListener('change', () => {
    state.sparsityMode = $('sparsity-mode').value;
    renderLayers();
  });
  $('add-row').addEventListener('click', () => {
    const last = state.layers[state.layers.length - 1];
    const names = new Set(state.layers.map((l) => l.name.toLowerCase()));
    let i = state.layers.length + 1;
    while (names.has(`layer${i}`)) ++i;
    state.layers.push(normaliseLayer(last ? {...structuredClone(last), name: `layer${i}`}
      : {name: `layer${i}`, type: 'conv', in_channels: 3, out_channels: 64, in: [224, 224],
         filter: [3, 3], pad: [1, 1, 1, 1]}));
    renderLayers();
    const rows = $('layer-table').tBodies[0].rows;
    rows[rows.length - 1].querySelector('input').focus();
  });
  $('arch').addEventListener('change', () => {
    if ($('arch').value) {
      selectArch($('arch').value);
    } else {
      // Back to your own YAML if you had one; else start from the preset shown.
      useArchYaml(state.archYaml || $('arch-yaml').value);
      $('arch-details').open = true;
      $('arch-yaml').focus();
    }
  });
  $('arch-yaml').addEventListener('input', () => {
    if (state.arch) selectArch('');
    state.archYaml = $('arch-yaml').value;
  });
  $('arch-file').addEventListener('change', async () => {
    const file = $('arch-file').files[0];
    if (!file) return;
    useArchYaml(await file.text());
    $('arch-details').open = true;
    $('arch-file').value = '';
    setStatus(`Architecture from ${file.name}; it is checked when you estimate.`);
  });
  $('form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    run();
  });
  $('share').addEventListener('click', async () => {
    try {
      readOptions();
    } catch (e) {
      showError(e.message);
      return;
    }
    try {
      history.replaceState(null, '', await stateToFragment());
      await navigator.clipboard.writeText(location.href);
      setStatus('Link copied: it opens this page with the same network, hardware and options.');
    } catch (e) {
      setStatus(`The link is in the address bar (${e.message}).`);
    }
  });
  window.addEventListener('hashchange', async () => {
    try {
      if (await stateFromFragment()) run();
    } catch (e) {
      showError(e.message);
    }
  });
  // A link runs its estimate; a plain visit shows the default one (AlexNet on Eyeriss) at once.
  try {
    if (await stateFromFragment()) run();
    else run(false);
  } catch (e) {
    showError(e.message);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  init().catch((e) => showError(`The page could not start: ${e.message}`));
});
