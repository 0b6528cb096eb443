// The explorer page: nnitp's Model and Images tabs over the JSON API.
"use strict";

const $ = (id) => document.getElementById(id);
let models = [];
let current = null;      // the loaded model: {info, load, split}
let view = null;         // the view shown (explanation or examples)
let faithful = null;     // the faithfulness figures of the explanation shown
let selectedImage = null;
let pending = 0;

// A line in the messages pane (the server's log, polled).
function log(line, error) {
  const div = document.createElement("div");
  div.textContent = line;
  if (error) div.className = "error";
  $("messages").appendChild(div);
  $("messages").scrollTop = $("messages").scrollHeight;
}

// The one-line notice in the header, where the user is looking.
function notice(text, error) {
  const n = $("notice");
  n.textContent = text || "";
  n.title = text || "";
  n.className = error ? "error" : "";
}

function setBusy(busy, task) {
  const b = $("busy");
  b.className = busy ? "busy" : "idle";
  b.textContent = busy ? "busy" + (task ? ": " + task : "") : "idle";
  document.body.classList.toggle("busy", busy);
  // controls that start a computation wait for the one running
  for (const c of document.querySelectorAll(".control")) c.disabled = busy;
  if (!busy) $("back").disabled = !view || view.depth === 0;
}

// Calls the API; returns the JSON answer, or null after showing the error in
// the header (the server's messages pane shows it too).
async function api(method, path, body, what) {
  pending += 1;
  setBusy(true, what);
  if (what) notice(what + "...");
  try {
    const post = method === "POST";
    const res = await fetch(path, {
      method,
      headers: post ? { "Content-Type": "application/json" } : {},
      body: post ? JSON.stringify(body || {}) : undefined,
    });
    const data = await res.json();
    if (!res.ok) {
      notice((res.status === 409 ? "" : "error: ") + data.error, true);
      return null;
    }
    if (what) notice("");
    return data;
  } catch (e) {
    notice("error: " + e, true);
    log("error: " + e, true);
    return null;
  } finally {
    pending -= 1;
    if (pending === 0) setBusy(false);
  }
}

// The background extraction of a loaded model's layers, at the foot of the
// window wherever the page is scrolled.
function showExtraction(x) {
  const box = $("extraction");
  box.hidden = !(x && x.running);
  if (box.hidden) return;
  const bar = $("extraction-bar");
  bar.max = Math.max(x.total, 1);
  bar.value = x.done;
  $("extraction-text").textContent = x.task
    ? `${x.task}: ${x.done} of ${x.total} images (${Math.round(x.rate)} images/s)`
    : "preparing the layers...";
}

// The server's messages, asked for from the last one seen on.
let cursor = 0;
async function poll() {
  try {
    const res = await fetch("/api/status?since=" + cursor);
    const s = await res.json();
    for (const l of s.messages) log(l, l.startsWith("error"));
    cursor = s.cursor;
    if (pending === 0) setBusy(s.busy, s.task);
    showExtraction(s.extraction);
  } catch (e) { /* the server may be restarting */ }
  setTimeout(poll, 700);
}

function showTab(name) {
  for (const t of document.querySelectorAll(".tab")) t.classList.toggle("active", t.dataset.tab === name);
  for (const p of document.querySelectorAll(".panel")) p.classList.toggle("active", p.id === name);
}

function fillModel(info) {
  $("alpha").value = info.params.alpha;
  $("gamma").value = info.params.gamma;
  $("mu").value = info.params.mu;
  $("ensemble").value = info.params.ensemble_size;
  $("size").value = info.size;
  fillLayers(info, info.default_layers);
}

function layerOption(l) {
  const o = document.createElement("option");
  o.value = l.index;
  o.textContent = l.index + ": " + l.name + " [" + l.shape.join("x") + "]";
  return o;
}

function fillLayers(info, selected) {
  $("available").innerHTML = "";
  $("selected").innerHTML = "";
  for (const l of info.layers) {
    (selected.includes(l.index) ? $("selected") : $("available")).appendChild(layerOption(l));
  }
}

function moveLayers(from, to) {
  const chosen = Array.from($(from).selectedOptions);
  for (const o of chosen) $(to).appendChild(o);
  const sorted = Array.from($(to).options).sort((a, b) => a.value - b.value);
  for (const o of sorted) $(to).appendChild(o);
}

// The URL of the picture of a sample of the loaded model's data set shown:
// an image as PNG, a series as a line plot, a row as a card of its features.
function imageUrl(index, scale) {
  const ext = current.samples === "image" ? "png" : "svg";
  return `/api/image/${current.load}/${current.split}/${index}.${ext}?scale=${scale}`;
}

function className(c) {
  return current && c !== null && c !== undefined ? current.info.classes[c] : "?";
}

// What one sample is called, and several.
function noun() {
  return current ? current.samples : "image";
}
function plural() {
  return { image: "images", row: "rows", series: "series" }[noun()];
}

// Whether the loaded model predicts a number rather than a class.
function numeric() {
  return current && current.info.output === "number";
}

// A sample's outcome as a caption: the number predicted, or label -> class.
function outcome(c) {
  if (numeric()) return c.value === null ? "?" : "= " + c.value.toFixed(2);
  return `${c.label === null ? "?" : c.label} → ${c.predicted}`;
}
function outcomeTitle(c) {
  if (numeric()) return `${noun()} ${c.image}: predicted ${c.value === null ? "?" : c.value.toFixed(4)}`;
  return `${noun()} ${c.image}: labelled ${className(c.label)}, classified ${className(c.predicted)}`;
}

async function loadModel() {
  const layers = Array.from($("selected").options).map((o) => parseInt(o.value, 10));
  if (layers.length === 0) {
    notice("error: select at least one layer to explain at (Selected layers)", true);
    return;
  }
  const name = $("model-name").value;
  const body = {
    model: name,
    split: $("split").value,
    alpha: parseFloat($("alpha").value),
    gamma: parseFloat($("gamma").value),
    mu: parseFloat($("mu").value),
    size: parseInt($("size").value, 10),
    ensemble_size: parseInt($("ensemble").value, 10),
    layers,
  };
  const r = await api("POST", "/api/load", body, "loading " + name);
  if (!r) return;
  current = { info: r.model, load: r.load, split: r.split, samples: r.samples };
  $("loaded-model").textContent =
    `${r.model.name}, ${r.split === "train" ? "training" : "test"} set (${r.images} ${plural()}), layers ${r.layers.join(", ")}`;
  // a model of a number has no categories: a conclusion bounds its output
  for (const id of ["category-label", "restrict-label", "rules-button"]) $(id).hidden = numeric();
  $("restrict").checked = $("restrict").checked && !numeric();
  $("conclusion").placeholder = numeric() ? "v(0)>=150" : "its class";
  $("category").innerHTML = "";
  current.info.classes.forEach((c, i) => {
    const o = document.createElement("option");
    o.value = i;
    o.textContent = i + ": " + c;
    $("category").appendChild(o);
  });
  // nothing of the model or data set shown before stays on screen
  $("listing").innerHTML = "";
  $("rules").hidden = true;
  $("selection").hidden = true;
  selectedImage = null;
  showView(null);
  showTab("images");
  await listImages();
}

async function listImages() {
  if (!current) return;
  const c = parseInt($("category").value || "0", 10);
  const r = await api("GET", "/api/images?category=" + c, null, "listing " + plural());
  if (!r) return;
  if (!numeric()) $("category").value = r.category;
  const box = $("listing");
  box.innerHTML = "";
  for (const im of r.images) {
    const f = document.createElement("figure");
    f.dataset.index = im.index;
    if (im.label !== null && im.label !== im.predicted) f.classList.add("wrong");
    // a row's card is too tall for the listing: its number stands for it
    let pic;
    if (noun() === "row") {
      pic = document.createElement("div");
      pic.className = "sample";
      pic.textContent = "row " + im.index;
    } else {
      pic = document.createElement("img");
      pic.src = imageUrl(im.index, 2);
      pic.alt = noun() + " " + im.index;
      pic.className = noun();
    }
    const cap = document.createElement("figcaption");
    const c = { image: im.index, label: im.label, predicted: im.predicted, value: im.value };
    cap.textContent = numeric()
      ? im.index + " " + outcome(c)
      : im.index + (im.label !== null ? " (" + im.label + ")" : "");
    cap.title = outcomeTitle(c);
    f.append(pic, cap);
    f.addEventListener("click", () => selectImage(c, f));
    box.appendChild(f);
  }
  $("listing-title").textContent = numeric()
    ? `the first ${r.images.length} ${plural()}, each with the number predicted`
    : `${r.images.length} ${plural()} classified ${r.category} (${className(r.category)}); red: labelled otherwise`;
  $("listing-box").open = true;
}

function showSelection(c, prompt) {
  selectedImage = c.image;
  $("selection").hidden = false;
  $("selection-caption").textContent = outcomeTitle(c) + prompt;
  $("selected-image").className = noun();
  $("selected-image").src = imageUrl(c.image, 8);
}

function selectImage(c, fig) {
  for (const f of document.querySelectorAll("#listing figure")) f.classList.remove("chosen");
  fig.classList.add("chosen");
  showSelection(c, ` (click the ${noun()} to explain it)`);
}

function restrict() {
  return $("restrict").checked ? parseInt($("category").value, 10) : null;
}

// Explains `predicate` of the sample (by default the conclusion typed, else
// its class).
async function explain(image, predicate) {
  const body = { image, restrict: restrict() };
  const conclusion = $("conclusion").value.trim();
  if (predicate) body.predicate = predicate;
  else if (conclusion !== "") body.conclusion = conclusion;
  const v = await api("POST", "/api/explain", body, `explaining ${noun()} ${image}`);
  if (v) showView(v);
}

// A table of rows (a view's or a rule's), the bounded features first and
// marked; `onRow(tr, k)` makes row k a handle.
function rowTable(t, onRow) {
  const table = document.createElement("table");
  table.className = "rows";
  const head = table.insertRow();
  head.appendChild(document.createElement("th"));
  t.columns.forEach((name, k) => {
    const th = document.createElement("th");
    th.textContent = name;
    if (t.bounded[k]) th.className = "bounded";
    head.appendChild(th);
  });
  t.rows.forEach((row, r) => {
    const tr = table.insertRow();
    if (r === 0) tr.className = "premise";
    const th = document.createElement("th");
    th.textContent = row.label;
    tr.appendChild(th);
    row.values.forEach((v, k) => {
      const td = tr.insertCell();
      // a value that rounds to zero shows as 0, never as -0
      td.textContent = v === null ? "?" : (Math.round(v * 1e4) / 1e4 + 0).toFixed(4);
      if (t.bounded[k]) td.className = "bounded";
    });
    if (onRow) onRow(tr, r);
  });
  return table;
}

function clearReadout() {
  $("predicate").textContent = "(hover a cell)";
  $("fraction").textContent = "";
}

// The rule set of the category shown: each rule with its figures and a grid
// of the training images it covers.
async function showRules() {
  if (!current) return;
  const c = parseInt($("category").value || "0", 10);
  const r = await api("POST", "/api/rules", { category: c }, "finding the rules of class " + c);
  if (!r) return;
  $("view").hidden = true;
  $("rules").hidden = false;
  clearReadout();
  $("rules-title").textContent = r.title;
  $("rules-summary").textContent = r.summary;
  const list = $("rules-list");
  list.innerHTML = "";
  for (const rule of r.rules) {
    const li = document.createElement("li");
    const text = document.createElement("pre");
    text.textContent = rule.text + "\n" + rule.intervals + "\ncovers " + rule.covered + " training " + plural();
    li.appendChild(text);
    if (rule.grid) {
      const img = document.createElement("img");
      img.src = rule.grid;
      img.alt = "training " + plural() + " covered by " + rule.text.split(":")[0];
      if (noun() !== "image") img.className = "plot";
      li.appendChild(img);
    }
    if (rule.table) {
      const box = document.createElement("div");
      box.className = "rule-table";
      box.appendChild(rowTable(rule.table));
      li.appendChild(box);
    }
    list.appendChild(li);
  }
  $("listing-box").open = false;
}

async function showStability() {
  const s = await api("POST", "/api/stability", { resamples: 20 }, "resampling the explanation");
  if (!s) return;
  const parts = s.conjuncts.map((c, k) => `${k}: ${Math.round(100 * c.frequency)}%`);
  $("stability").textContent =
    `over ${s.resamples} bootstrap resamples: conjuncts reappear ${parts.join(", ")}; ` +
    `mean Jaccard overlap of the units ${s.mean_jaccard.toFixed(2)}`;
}

async function showFaithfulness() {
  const f = await api("POST", "/api/faithfulness", { samples: 100 }, "intervening on the explanation's units");
  if (!f) return;
  $("faithfulness").textContent = f.text;
  $("faithfulness").hidden = false;
  faithful = f.figures;
  markNecessity();
}

// each conjunct's necessity beside it in the list
function markNecessity() {
  if (!faithful) return;
  const items = $("conjuncts").children;
  faithful.conjuncts.forEach((c, k) => {
    if (!items[k] || !c.breaks || items[k].querySelector(".necessity")) return;
    const s = document.createElement("span");
    s.className = "necessity";
    const lost = c.breaks.sample;
    s.textContent = `  moved across its bound: conclusion lost on ${lost.count} of ${lost.trials} test images`;
    items[k].appendChild(s);
  });
}

function showView(v) {
  view = v;
  clearReadout();
  $("rules").hidden = true;
  $("stability").textContent = "";
  $("faithfulness").textContent = "";
  $("faithfulness").hidden = true;
  faithful = null;
  $("view").hidden = !v;
  $("back").disabled = !v || v.depth === 0;
  if (!v) return;
  // stability is a question about an explanation, not about a set of images
  $("stability-button").hidden = v.kind !== "explanation";
  $("faithfulness-button").hidden = v.kind !== "explanation";
  // the listing folds away so that the grid is in view
  $("listing-box").open = false;
  const key = v.cells[0];
  showSelection(key, "");
  $("view-title").textContent = v.title;
  $("view-text").textContent = v.text;
  const image = v.samples === "image";
  $("grid-wrap").hidden = !image;
  $("figure-wrap").hidden = image;
  $("conjuncts").classList.toggle("clickable", !image);
  if (image) {
    $("grid").src = "/api/grid.png?v=" + v.id;
    layoutGrid(v);
  } else {
    layoutFigure(v);
  }
}

// A handle on cell i of view v (a conjunct, a table row, a series): hovering
// shows its predicate, a click explains it (or does `click`), a right click
// opens the menu.
function bindCell(el, v, i, click) {
  const c = v.cells[i];
  if (!c) return;
  el.dataset.index = i;
  el.title = outcomeTitle(c) + "; layer " + c.predicate.layer + ": " + c.text.replace(/^layer \d+: /, "");
  el.addEventListener("mouseenter", () => {
    $("predicate").textContent = c.text;
    $("fraction").textContent = c.fraction.toFixed(4);
  });
  el.addEventListener("click", click || (() => explain(c.image, c.predicate)));
  el.addEventListener("contextmenu", (e) => {
    e.preventDefault();
    openMenu(i, e.pageX, e.pageY);
  });
}

// The conjuncts of a view, numbered as the regions; `bind(li, row)` adds
// what each does.
function listConjuncts(v, bind) {
  const rows = new Map();
  for (const c of v.cells) if (c.row > 0 && !rows.has(c.row)) rows.set(c.row, c);
  const list = $("conjuncts");
  list.innerHTML = "";
  for (const [row, c] of rows) {
    const li = document.createElement("li");
    // a region that is the whole image: no box on it says where
    const whole = c.whole_input ? ", reads the whole image" : "";
    li.textContent = c.text + "  (fraction " + c.fraction.toFixed(4) + whole + ")";
    bind(li, row);
    list.appendChild(li);
  }
  markNecessity();
  return rows;
}

// A view of series or rows: the plot (each conjunct's window shaded) or the
// table (the bounded features first), the conjuncts and the samples shown as
// handles; a conjunct stands for its cell on the key sample.
function layoutFigure(v) {
  const top = v.cells.filter((c) => c.row === 0);
  listConjuncts(v, (li, row) =>
    bindCell(li, v, v.cells.findIndex((c) => c.row === row && c.column === 0)));
  const img = $("figure");
  img.hidden = !!v.table;
  if (!v.table) img.src = "/api/figure.svg?v=" + v.id;
  const box = $("figure-table");
  box.innerHTML = "";
  // a table's explanations are at its features, with no layer below: a
  // row's click explains its own conclusion
  if (v.table) {
    box.appendChild(rowTable(v.table, (tr, r) =>
      bindCell(tr, v, v.cells.indexOf(top[r]), () => explain(top[r].image, null))));
  }
  const cols = $("figure-columns");
  cols.innerHTML = "";
  if (v.table) return;
  for (const c of top) {
    const s = document.createElement("span");
    s.className = "chip";
    if (c.label !== null && c.label !== c.predicted && !numeric()) s.classList.add("wrong");
    s.textContent = `#${c.image} ${outcome(c)}`;
    bindCell(s, v, v.cells.indexOf(c));
    cols.appendChild(s);
  }
}

// The grid, its row labels, captions and cells, scaled down to the width the
// view column has (never up), so that the page never scrolls sideways.
function layoutGrid(v) {
  const avail = $("view-column").clientWidth - $("row-labels").offsetWidth - 4;
  const k = Math.min(1, avail > 0 ? avail / v.width : 1);
  const px = (n) => n * k + "px";
  const grid = $("grid");
  grid.width = Math.floor(v.width * k);
  grid.height = Math.floor(v.height * k);
  // the conjuncts, numbered as the digits on the key image and the row labels
  const rows = listConjuncts(v, (li, row) => {
    li.addEventListener("mouseenter", () => lightRow(row, true));
    li.addEventListener("mouseleave", () => lightRow(row, false));
  });
  const labels = $("row-labels");
  labels.innerHTML = "";
  labels.style.height = px(v.height);
  for (const [row, c] of rows) {
    const s = document.createElement("span");
    s.textContent = row - 1;
    s.title = c.text;
    Object.assign(s.style, { top: px(c.y), height: px(c.height) });
    labels.appendChild(s);
  }
  // each column's image: index, label and prediction
  const caps = $("captions");
  caps.innerHTML = "";
  caps.style.width = px(v.width);
  for (const c of v.cells.filter((c) => c.row === 0)) {
    const s = document.createElement("span");
    s.textContent = `#${c.image}\n${outcome(c)}`;
    s.style.whiteSpace = "pre";
    if (c.label !== null && c.label !== c.predicted) s.className = "wrong";
    s.title = outcomeTitle(c);
    Object.assign(s.style, { left: px(c.x), width: px(c.width) });
    caps.appendChild(s);
  }
  const cells = $("cells");
  cells.innerHTML = "";
  v.cells.forEach((c, i) => {
    const d = document.createElement("div");
    d.className = "cell";
    d.dataset.index = i;
    d.dataset.row = c.row;
    d.dataset.column = c.column;
    Object.assign(d.style, { left: px(c.x), top: px(c.y), width: px(c.width), height: px(c.height) });
    d.title = "layer " + c.predicate.layer + ": " + c.text.replace(/^layer \d+: /, "");
    d.addEventListener("mouseenter", () => {
      $("predicate").textContent = c.text;
      $("fraction").textContent = c.fraction.toFixed(4);
    });
    d.addEventListener("click", () => explain(c.image, c.predicate));
    d.addEventListener("contextmenu", (e) => {
      e.preventDefault();
      openMenu(i, e.pageX, e.pageY);
    });
    cells.appendChild(d);
  });
}

function lightRow(row, on) {
  for (const d of document.querySelectorAll(`#cells .cell[data-row='${row}']`)) d.classList.toggle("lit", on);
}

let menuCell = null;
function openMenu(cell, x, y) {
  menuCell = cell;
  const m = $("menu");
  m.style.left = x + "px";
  m.style.top = y + "px";
  m.hidden = false;
}

async function examples(negate) {
  $("menu").hidden = true;
  if (menuCell === null) return;
  const body = { cell: menuCell, negate, restrict: restrict() };
  const p = $("percentile").value.trim();
  if (p !== "") body.percentile = parseFloat(p);
  const v = await api("POST", "/api/examples", body, negate ? "finding counterexamples" : "finding examples");
  if (v) showView(v);
}

window.addEventListener("resize", () => {
  if (view && !$("view").hidden && view.samples === "image") layoutGrid(view);
});

async function init() {
  for (const t of document.querySelectorAll(".tab")) t.addEventListener("click", () => showTab(t.dataset.tab));
  $("add-layer").addEventListener("click", () => moveLayers("available", "selected"));
  $("remove-layer").addEventListener("click", () => moveLayers("selected", "available"));
  $("load").addEventListener("click", loadModel);
  $("category").addEventListener("change", listImages);
  $("rules-button").addEventListener("click", showRules);
  $("stability-button").addEventListener("click", showStability);
  $("faithfulness-button").addEventListener("click", showFaithfulness);
  $("selected-image").addEventListener("click", () => selectedImage !== null && explain(selectedImage, null));
  $("back").addEventListener("click", async () => {
    const v = await api("POST", "/api/back", null, "going back");
    if (v) showView(v);
  });
  $("menu-examples").addEventListener("click", () => examples(false));
  $("menu-counterexamples").addEventListener("click", () => examples(true));
  document.addEventListener("click", (e) => {
    if (!$("menu").contains(e.target)) $("menu").hidden = true;
  });
  $("model-name").addEventListener("change", () => {
    const info = models.find((m) => m.name === $("model-name").value);
    if (info) fillModel(info);
  });
  poll();
  models = (await api("GET", "/api/models")) || [];
  for (const m of models) {
    const o = document.createElement("option");
    o.value = m.name;
    o.textContent = m.name;
    $("model-name").appendChild(o);
  }
  if (models.length > 0) fillModel(models[0]);
  else notice("no model is available: see README for weights and data", true);
}

init();
