// The explorer page: nnitp's Model and Images tabs over the JSON API.
"use strict";

const $ = (id) => document.getElementById(id);
let models = [];
let current = null;      // the model info of the loaded model
let view = null;         // the view shown (explanation or examples)
let selectedImage = null;
let pending = 0;

function log(line, error) {
  const div = document.createElement("div");
  div.textContent = line;
  if (error) div.className = "error";
  $("messages").appendChild(div);
  $("messages").scrollTop = $("messages").scrollHeight;
}

function setBusy(busy, task) {
  const b = $("busy");
  b.className = busy ? "busy" : "idle";
  b.textContent = busy ? "busy" + (task ? ": " + task : "") : "idle";
  document.body.classList.toggle("busy", busy);
}

// Calls the API; returns the JSON answer, or null after showing the error.
async function api(method, path, body) {
  pending += 1;
  setBusy(true);
  try {
    const res = await fetch(path, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await res.json();
    if (!res.ok) {
      log((res.status === 409 ? "" : "error: ") + data.error, true);
      return null;
    }
    return data;
  } catch (e) {
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

// The server's messages pane, polled.
let seen = 0;
async function poll() {
  try {
    const res = await fetch("/api/status");
    const s = await res.json();
    const lines = s.messages.slice(Math.min(seen, s.messages.length));
    if (s.messages.length < seen) seen = 0;
    for (const l of lines) log(l, l.startsWith("error"));
    seen = s.messages.length;
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

async function loadModel() {
  const name = $("model-name").value;
  const body = {
    model: name,
    split: $("split").value,
    alpha: parseFloat($("alpha").value),
    gamma: parseFloat($("gamma").value),
    mu: parseFloat($("mu").value),
    size: parseInt($("size").value, 10),
    ensemble_size: parseInt($("ensemble").value, 10),
    layers: Array.from($("selected").options).map((o) => parseInt(o.value, 10)),
  };
  const r = await api("POST", "/api/load", body);
  if (!r) return;
  current = r.model;
  $("category").innerHTML = "";
  current.classes.forEach((c, i) => {
    const o = document.createElement("option");
    o.value = i;
    o.textContent = i + ": " + c;
    $("category").appendChild(o);
  });
  showView(null);
  showTab("images");
  await listImages();
}

async function listImages() {
  if (!current) return;
  const c = $("category").value || 0;
  const r = await api("GET", "/api/images?category=" + c);
  if (!r) return;
  const box = $("listing");
  box.innerHTML = "";
  for (const im of r.images) {
    const f = document.createElement("figure");
    f.dataset.index = im.index;
    if (im.label !== null && im.label !== im.predicted) f.classList.add("wrong");
    const img = document.createElement("img");
    img.src = "/api/image/" + im.index + ".png?scale=2";
    img.alt = "image " + im.index;
    const cap = document.createElement("figcaption");
    cap.textContent = im.index + (im.label !== null ? " (" + im.label + ")" : "");
    f.append(img, cap);
    f.addEventListener("click", () => selectImage(im, f));
    box.appendChild(f);
  }
  log(r.images.length + " images classified as " + current.classes[c]);
}

function selectImage(im, fig) {
  selectedImage = im.index;
  for (const f of document.querySelectorAll("#listing figure")) f.classList.remove("chosen");
  fig.classList.add("chosen");
  $("selection").hidden = false;
  const label = im.label !== null ? current.classes[im.label] : "?";
  $("selection-caption").textContent =
    "image " + im.index + ": labelled " + label + ", classified " + current.classes[im.predicted] +
    " (click the image to explain it)";
  $("selected-image").src = "/api/image/" + im.index + ".png?scale=8";
}

function restrict() {
  return $("restrict").checked ? parseInt($("category").value, 10) : null;
}

async function explain(image, predicate) {
  const body = { image, restrict: restrict() };
  if (predicate) body.predicate = predicate;
  const v = await api("POST", "/api/explain", body);
  if (v) showView(v);
}

function showView(v) {
  view = v;
  $("view").hidden = !v;
  $("back").disabled = !v || v.depth === 0;
  if (!v) return;
  $("view-title").textContent = v.title;
  $("view-text").textContent = v.text;
  const grid = $("grid");
  grid.src = "/api/grid.png?v=" + v.id;
  grid.width = v.width;
  grid.height = v.height;
  const cells = $("cells");
  cells.innerHTML = "";
  v.cells.forEach((c, i) => {
    const d = document.createElement("div");
    d.className = "cell";
    d.dataset.index = i;
    d.dataset.row = c.row;
    d.dataset.column = c.column;
    Object.assign(d.style, { left: c.x + "px", top: c.y + "px", width: c.width + "px", height: c.height + "px" });
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
  const v = await api("POST", "/api/examples", body);
  if (v) showView(v);
}

async function init() {
  for (const t of document.querySelectorAll(".tab")) t.addEventListener("click", () => showTab(t.dataset.tab));
  $("add-layer").addEventListener("click", () => moveLayers("available", "selected"));
  $("remove-layer").addEventListener("click", () => moveLayers("selected", "available"));
  $("load").addEventListener("click", loadModel);
  $("category").addEventListener("change", listImages);
  $("selected-image").addEventListener("click", () => selectedImage !== null && explain(selectedImage, null));
  $("back").addEventListener("click", async () => {
    const v = await api("POST", "/api/back");
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
  else log("no model is available: see README for weights and data", true);
}

init();
