// The page `erg serve` shows at / (src/server/page.h): plain HTML and JavaScript, no external
// resources. It talks to the same API as any other client (docs/api.md).
#include "server/page.h"

namespace erg {

std::string_view page_html() {
  static constexpr std::string_view kPage = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>erg — DNN energy estimation</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5rem auto; max-width: 70rem; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.4rem; }
  form { display: flex; flex-wrap: wrap; gap: .8rem 1.2rem; align-items: end; }
  label { display: flex; flex-direction: column; font-size: .85rem; gap: .2rem; }
  select, input, button { font: inherit; padding: .3rem .4rem; }
  button { cursor: pointer; }
  table { border-collapse: collapse; margin-top: 1rem; width: 100%; }
  th, td { border-bottom: 1px solid #ddd; padding: .25rem .5rem; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  #error { color: #a00; white-space: pre-wrap; margin-top: 1rem; }
  #totals { margin-top: 1rem; font-weight: 600; }
</style>
</head>
<body>
<h1>erg: energy of a DNN on an accelerator</h1>
<form id="form">
  <label>Network <select id="network"></select></label>
  <label>Architecture <select id="arch"></select></label>
  <label>Dataflow <select id="dataflow">
    <option>rs</option><option>ws</option><option>os</option><option>nlr</option><option>free</option>
  </select></label>
  <label>Batch <input id="batch" type="number" min="1" value="1" size="4"></label>
  <button id="run" type="submit">Estimate</button>
</form>
<div id="error" role="alert"></div>
<div id="totals" aria-live="polite"></div>
<figure id="chart" hidden></figure>
<table id="layers" hidden>
  <thead><tr><th>layer</th><th>MACs</th><th>energy</th><th>compute</th><th>weights</th>
  <th>ifmap</th><th>ofmap</th><th>mapping</th></tr></thead>
  <tbody></tbody>
</table>
<script>
const $ = (id) => document.getElementById(id);
const human = (v) => {
  const units = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [s, u] of units) if (Math.abs(v) >= s) return (v / s).toPrecision(3) + ' ' + u;
  return v.toPrecision(3);
};
async function getJson(url, options) {
  const r = await fetch(url, options);
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || ('HTTP ' + r.status));
  return body;
}
async function init() {
  const [zoo, archs] = await Promise.all([getJson('/api/zoo'), getJson('/api/archs')]);
  for (const n of zoo) $('network').add(new Option(n.name + ' — ' + n.description, n.name));
  for (const a of archs) $('arch').add(new Option(a.name + ' (' + a.pes + ' PEs)', a.name));
  $('network').value = 'alexnet';
}
$('form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('error').textContent = '';
  $('totals').textContent = 'estimating…';
  try {
    const request = JSON.stringify({network: $('network').value, arch: $('arch').value,
                                    dataflow: $('dataflow').value,
                                    batch: Number($('batch').value)});
    const est = await getJson('/api/estimate', {
      method: 'POST', headers: {'Content-Type': 'application/json'}, body: request});
    // The chart `erg estimate --plot` draws, for the same request (answered from the cache).
    const svg = await fetch('/api/estimate.svg', {
      method: 'POST', headers: {'Content-Type': 'application/json'}, body: request});
    if (svg.ok) {
      $('chart').innerHTML = await svg.text();
      $('chart').hidden = false;
    }
    const t = est.total;
    $('totals').textContent = `total ${human(t.energy.total)} ${est.unit} energy: computation ` +
      `${human(t.energy.compute)}, weights ${human(t.energy.weights)}, ifmap ` +
      `${human(t.energy.ifmap)}, ofmap ${human(t.energy.ofmap)}`;
    const tbody = $('layers').tBodies[0];
    tbody.replaceChildren();
    for (const l of est.layers) {
      const row = tbody.insertRow();
      for (const v of [l.name, human(l.macs), human(l.energy.total), human(l.energy.compute),
                       human(l.energy.weights), human(l.energy.ifmap), human(l.energy.ofmap),
                       l.mapping]) row.insertCell().textContent = v;
    }
    $('layers').hidden = false;
  } catch (e) {
    $('totals').textContent = '';
    $('error').textContent = e.message;
  }
});
init().catch((e) => { $('error').textContent = e.message; });
</script>
</body>
</html>
)HTML";
  return kPage;
}

}  // namespace erg
