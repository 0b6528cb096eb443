// End-to-end test of the explorer in headless Chromium, driven by Playwright:
// load the model, choose a category, select an image, explain it, see the
// interpolant and the grid in view at 1400x1000, drill into a region, go back,
// open Examples, watch a slow (busy) request, switch to the test set; then a
// table's rows, a series' plot and a number's conclusion.
//
//   node tests/browser/explorer.mjs URL SCREENSHOT_DIR
//
// Chromium is Debian's (/usr/bin/chromium, or $CHROMIUM). Exits non-zero with
// a message on the first failed step; saves a screenshot after each step.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [url, shots] = process.argv.slice(2);
if (!url || !shots) {
  console.error("usage: node explorer.mjs URL SCREENSHOT_DIR");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
page.setDefaultTimeout(120_000);
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));
let step = 0;
async function shot(name) {
  step += 1;
  await page.screenshot({ path: join(shots, `${String(step).padStart(2, "0")}-${name}.png`), fullPage: true });
  console.log(`step ${step}: ${name}`);
}
async function idle() {
  await page.waitForFunction(() => document.getElementById("busy").textContent === "idle");
}
const text = (sel) => page.locator(sel).innerText();
// whether the element's box lies (at least partly) in the window
const inView = (sel) => page.locator(sel).evaluate((e) => {
  const r = e.getBoundingClientRect();
  return r.bottom > 0 && r.top < window.innerHeight && r.height > 0;
});
// no two region digits on one image touch (they would read as one number)
async function marksApart(name) {
  const touching = await page.evaluate(() => {
    const m = view.marks, bad = [];
    for (let i = 0; i < m.length; i++) {
      for (let j = 0; j < i; j++) {
        const a = m[i], b = m[j];
        if (a.column === b.column && a.x <= b.x + b.width && b.x <= a.x + a.width &&
            a.y <= b.y + b.height && b.y <= a.y + a.height) bad.push([a, b]);
      }
    }
    return { bad, count: m.length };
  });
  if (touching.count === 0) throw new Error(`${name}: no region digits reported`);
  if (touching.bad.length) throw new Error(`${name}: digits touch: ${JSON.stringify(touching.bad)}`);
}
async function viewShot(name) {
  step += 1;
  await page.screenshot({ path: join(shots, `${String(step).padStart(2, "0")}-${name}.png`) });
  console.log(`step ${step}: ${name}`);
}

try {
  await page.goto(url);
  await page.waitForSelector("#model-name option[value='fashion-mnist']", { state: "attached" });
  // the model's defaults are pre-selected
  const selected = await page.locator("#selected option").allInnerTexts();
  if (!selected.some((t) => t.startsWith("6:")) || !selected.some((t) => t.startsWith("14:"))) {
    throw new Error(`default layers not selected: ${selected}`);
  }
  await page.fill("#size", "2000");
  await shot("model-tab");
  await page.click("#load");
  // the layers are extracted in the background, the progress shown at the foot
  await page.waitForSelector("#extraction:not([hidden])");
  await shot("extracting");
  await page.waitForSelector("#listing figure");
  await page.waitForFunction(() => document.getElementById("messages").textContent.includes("ready in"));
  await page.waitForSelector("#extraction", { state: "hidden" });
  await idle();

  // choose category 0 and select the first image the network gets wrong
  await page.selectOption("#category", "0");
  await page.waitForSelector("#listing figure");
  await idle();
  const count = await page.locator("#listing figure").count();
  if (count === 0) throw new Error("no image listed for category 0");
  const wrong = page.locator("#listing figure.wrong").first();
  await ((await wrong.count()) > 0 ? wrong : page.locator("#listing figure").first()).click();
  await page.waitForSelector("#selection:not([hidden])");
  await shot("image-selected");

  // explain it: the interpolant text and the grid appear
  await page.click("#selected-image");
  await page.waitForSelector("#view:not([hidden])");
  await idle();
  const itp = await text("#view-text");
  if (!/^Interpolant: layer 14: \(v\(\d+,\d+,\d+\)[<>]=/.test(itp) || !itp.includes("On training set: F = ")) {
    throw new Error(`unexpected explanation text: ${itp}`);
  }
  await page.waitForFunction(() => document.getElementById("grid").naturalWidth > 0);
  const cells = await page.locator("#cells .cell").count();
  if (cells < 2) throw new Error(`grid has ${cells} cells`);
  // at 1400x1000 the explanation and the top of its grid are in view without scrolling
  await page.evaluate(() => window.scrollTo(0, 0));
  for (const sel of ["#view-text", "#grid", "#busy"]) {
    if (!(await inView(sel))) throw new Error(`${sel} is not in view after explaining`);
  }
  // rows name their conjuncts, columns their images
  const conjuncts = await page.locator("#conjuncts li").count();
  const rowLabels = await page.locator("#row-labels span").count();
  if (conjuncts < 1 || rowLabels !== conjuncts) throw new Error(`${conjuncts} conjuncts, ${rowLabels} row labels`);
  const captions = await page.locator("#captions span").allInnerTexts();
  const columns = await page.locator("#cells .cell[data-row='0']").count();
  if (captions.length !== columns || !captions.every((c) => /^#\d+\n(\d+|\?) → \d+$/.test(c))) {
    throw new Error(`captions ${JSON.stringify(captions)} for ${columns} columns`);
  }
  await viewShot("layout-1400x1000");
  // no sideways scrolling at 1400x1000 or 1280x720: long lines wrap, the grid scales
  const fits = () => page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  for (const [width, height] of [[1400, 1000], [1280, 720], [1400, 1000]]) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(200);
    const [doc, win] = await fits();
    if (doc > win) throw new Error(`at ${width}x${height} the document is ${doc} px wide`);
    if (!(await inView("#grid"))) throw new Error(`the grid is not in view at ${width}x${height}`);
    const cellsRight = await page.locator("#cells .cell").evaluateAll((cs) =>
      Math.max(...cs.map((c) => c.getBoundingClientRect().right)));
    if (cellsRight > win) throw new Error(`a grid column ends at ${cellsRight} px of ${win} at ${width}x${height}`);
  }
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.evaluate(() => window.scrollTo(0, 0));
  // the sticky header and predicate bar cover nothing: header, bar, title and
  // explanation text lie one below the other
  const stack = await page.evaluate(() =>
    ["header", "#readout", "#view-title", "#view-text"].map((sel) => {
      const r = document.querySelector(sel).getBoundingClientRect();
      return [sel, r.top, r.bottom];
    }));
  for (let i = 1; i < stack.length; i++) {
    if (stack[i][1] < stack[i - 1][2]) throw new Error(`${stack[i][0]} is covered: ${JSON.stringify(stack)}`);
  }
  await viewShot("layout-1280x720");
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.waitForTimeout(200);
  // hovering a region cell shows its predicate and fraction
  const region = page.locator("#cells .cell[data-row='1'][data-column='0']");
  await region.hover();
  const pred = await text("#predicate");
  if (!/^layer 14: v\(/.test(pred)) throw new Error(`hover shows ${pred}`);
  const frac = parseFloat(await text("#fraction"));
  if (!(frac > 0 && frac <= 1)) throw new Error(`hover fraction ${frac}`);
  await shot("explanation");
  await marksApart("explanation");

  // drill into the region: an explanation at layer 6
  await region.click();
  await page.waitForFunction(() => document.getElementById("view-text").textContent.startsWith("Interpolant: layer 6:"));
  await idle();
  if (await page.locator("#back").isDisabled()) throw new Error("back is disabled after a drill-down");
  await shot("drill-down");
  await marksApart("drill-down");

  // back to the first explanation
  await page.click("#back");
  await page.waitForFunction(() => document.getElementById("view-text").textContent.startsWith("Interpolant: layer 14:"));
  await idle();
  if ((await text("#view-text")) !== itp) throw new Error("back did not restore the explanation");
  if (!itp.split("\n")[3].startsWith("95% intervals: ")) throw new Error(`no intervals line: ${itp}`);
  await shot("back");

  // how stable is it?
  await page.click("#stability-button");
  await page.waitForFunction(() => document.getElementById("stability").textContent.includes("bootstrap resamples"));
  await idle();

  // does the network use it?
  await page.click("#faithfulness-button");
  await page.waitForFunction(() => document.getElementById("faithfulness").textContent.startsWith("Faithfulness (seed 0; "));
  await idle();
  if (!(await text("#faithfulness")).includes("control, one random unit: premise ")) throw new Error("no random-unit control");
  if (!(await text("#conjuncts")).includes("moved across its bound: conclusion lost on ")) throw new Error("no necessity beside the conjuncts");
  await shot("faithfulness");

  // Examples of a region's predicate, from the context menu, at the 10th percentile
  await page.fill("#percentile", "10");
  await page.locator("#cells .cell[data-row='1'][data-column='0']").click({ button: "right" });
  await page.waitForSelector("#menu:not([hidden])");
  await page.click("#menu-examples");
  await page.waitForFunction(() => document.getElementById("view-title").textContent.startsWith("examples of layer 14"));
  await idle();
  await shot("examples");
  // stability is offered on explanations only
  if (await page.isVisible("#stability-button")) throw new Error("stability offered on examples");
  if (await page.isVisible("#faithfulness-button")) throw new Error("faithfulness offered on examples");
  if (await page.isVisible("#faithfulness")) throw new Error("faithfulness of the explanation shown on examples");

  // Counterexamples of the same conjunct
  await page.click("#back");
  await idle();
  await page.fill("#percentile", "");
  await page.locator("#cells .cell[data-row='1'][data-column='0']").click({ button: "right" });
  await page.click("#menu-counterexamples");
  await page.waitForFunction(() => document.getElementById("view-title").textContent.startsWith("counterexamples"));
  await idle();
  await shot("counterexamples");
  if (await page.isVisible("#stability-button")) throw new Error("stability offered on counterexamples");

  // an error is shown once in the header and once in the messages, not twice
  await page.click("#back");
  await idle();
  await page.fill("#percentile", "150");
  await page.locator("#cells .cell[data-row='1'][data-column='0']").click({ button: "right" });
  await page.click("#menu-examples");
  await page.waitForFunction(() => document.getElementById("notice").textContent.includes("percentile"));
  if (!(await inView("#notice"))) throw new Error("the error is not in view");
  await page.waitForFunction(() => document.getElementById("messages").textContent.includes("percentile"));
  await page.waitForTimeout(1600); // two polls
  const said = await page.locator("#messages div").evaluateAll((l) => l.map((d) => d.textContent));
  const shown = said.filter((l) => l.includes("must lie in")).length;
  if (shown !== 1) throw new Error(`error shown ${shown} times in the messages`);
  await page.fill("#percentile", "");

  // a slow request: the busy badge and the notice say so where the user is
  // looking (scrolled to the grid), and the controls wait for it
  await page.route("**/api/explain", async (route) => {
    await new Promise((r) => setTimeout(r, 2000));
    await route.continue();
  });
  await page.locator("#cells .cell[data-row='0'][data-column='1']").scrollIntoViewIfNeeded();
  await page.locator("#cells .cell[data-row='0'][data-column='1']").click();
  await page.waitForFunction(() => document.getElementById("busy").textContent.startsWith("busy"));
  if (!(await inView("#busy"))) throw new Error("the busy badge is out of view");
  if (!(await text("#notice")).startsWith("explaining image")) throw new Error(`notice: ${await text("#notice")}`);
  if (!(await page.locator("#category").isDisabled())) throw new Error("the category can change while busy");
  await viewShot("busy");
  await idle();
  await page.unroute("**/api/explain");
  // the caption follows the view: it names the comparison image just explained
  const key = await page.locator("#captions span").first().innerText();
  const caption = await text("#selection-caption");
  if (!caption.startsWith("image " + key.split("\n")[0].slice(1) + ":")) throw new Error(`caption ${caption} for ${key}`);
  // the readout follows the view: cleared until a cell is hovered
  // (empty, or a predicate of a cell of this view under the pointer)
  const shownPredicate = await text("#predicate");
  const current = await page.locator("#cells .cell").evaluateAll((l) => l.map((d) => d.title));
  const inThisView = current.some((t) => t === shownPredicate);
  if (shownPredicate !== "(hover a cell)" && !inThisView) throw new Error(`the readout kept ${shownPredicate}`);

  // the rules of the category shown, each with the images it covers
  await page.click("#rules-button");
  await page.waitForSelector("#rules:not([hidden])");
  await idle();
  if ((await page.locator("#rules-list li img").count()) < 1) throw new Error("no rule grid shown");
  if (!(await text("#rules-summary")).startsWith("class 0 (T-shirt/top): ")) throw new Error(`rules summary ${await text("#rules-summary")}`);
  await viewShot("rules");

  // switch to the test set: nothing of the training set stays on screen, and
  // every image URL names the data set
  await page.click("#tab-model");
  await page.selectOption("#split", "test");
  await page.click("#load");
  await page.waitForSelector("#listing figure");
  await idle();
  if (!(await page.locator("#view").isHidden())) throw new Error("the old explanation stayed");
  if (!(await page.locator("#selection").isHidden())) throw new Error("the old selection stayed");
  const srcs = await page.locator("#listing figure img").evaluateAll((l) => l.map((i) => i.getAttribute("src")));
  if (!srcs.every((s) => s.includes("/test/"))) throw new Error(`image URLs ${srcs.slice(0, 3)}`);
  await page.locator("#listing figure").first().click();
  await page.click("#selected-image");
  await page.waitForSelector("#view:not([hidden])");
  await idle();
  await viewShot("test-set");
  // an empty layer selection is refused before anything is sent
  await page.click("#tab-model");
  await page.locator("#selected option").evaluateAll((os) => os.forEach((o) => { o.selected = true; }));
  await page.click("#remove-layer");
  await page.click("#load");
  await page.waitForFunction(() => document.getElementById("notice").textContent.includes("select at least one layer"));
  const log = await text("#messages");
  if (log.includes("favicon")) throw new Error("a request for the icon failed");

  // the table, series and number models
  async function loadZoo(name) {
    await page.click("#tab-model");
    await page.selectOption("#model-name", name);
    await page.click("#load");
    await page.waitForFunction((n) => document.getElementById("loaded-model").textContent.startsWith(n + ","), name);
    await page.waitForSelector("#listing figure");
    await idle();
  }
  // the first line of the explanation, checked to speak the data's words
  async function inFeatures(what) {
    const line = (await text("#view-text")).split("\n")[0];
    if (!/^Interpolant: layer 0: [a-z]/.test(line) || line.includes("v(")) {
      throw new Error(`${what}: not in the features' names: ${line}`);
    }
    return line;
  }

  // a table: rows by number, a row's card, the explanation's rows as a table
  // with the bounded features first and marked
  await loadZoo("breast-cancer-mlp");
  if ((await page.locator("#listing figure .sample").count()) < 1) throw new Error("no row listed");
  await page.locator("#listing figure").first().click();
  await page.waitForFunction(() => document.getElementById("selected-image").naturalWidth > 0);
  await page.click("#selected-image");
  await page.waitForSelector("#figure-table table.rows");
  await idle();
  const rowItp = await inFeatures("table");
  if (!(await page.locator("#grid-wrap").isHidden())) throw new Error("a grid is shown for rows");
  const boundedNames = await page.locator("#figure-table tr:first-child th.bounded").allInnerTexts();
  if (boundedNames.length < 1 || !boundedNames.every((n) => rowItp.includes(n))) {
    throw new Error(`bounded columns ${boundedNames} for ${rowItp}`);
  }
  const tableRows = await page.locator("#figure-table tr").count();
  if (tableRows < 3) throw new Error(`${tableRows} table rows`);
  await viewShot("table");
  // a comparison row is a cell: clicking it explains it
  const second = await page.locator("#figure-table tr:nth-child(3) th").innerText();
  await page.locator("#figure-table tr:nth-child(3)").click();
  await page.waitForFunction((l) => document.getElementById("view-title").textContent.startsWith("row " + l.split(" ").pop() + ":"), second);
  await idle();

  // a series: the plot with each conjunct's window; a conjunct's menu
  await loadZoo("gunpoint-cnn");
  await page.locator("#listing figure").first().click();
  await page.waitForFunction(() => document.getElementById("selected-image").naturalWidth > 0);
  await page.click("#selected-image");
  await page.waitForFunction(() => document.getElementById("figure").naturalWidth > 0 && !document.getElementById("figure").hidden);
  await idle();
  if (!(await text("#view-text")).startsWith("Interpolant: layer ")) throw new Error(`series: ${await text("#view-text")}`);
  const chips = await page.locator("#figure-columns .chip").count();
  if (chips < 2) throw new Error(`${chips} series shown`);
  if ((await page.locator("#conjuncts li").count()) < 1) throw new Error("no conjunct listed");
  await viewShot("series");
  await page.locator("#conjuncts li").first().click({ button: "right" });
  await page.click("#menu-examples");
  await page.waitForFunction(() => document.getElementById("view-title").textContent.startsWith("examples of layer"));
  await idle();
  await page.waitForFunction(() => document.getElementById("figure").naturalWidth > 0);

  // a number: no categories; explained by a conclusion typed on the page
  await loadZoo("diabetes-mlp");
  if (!(await page.locator("#category-label").isHidden())) throw new Error("a number model shows categories");
  const values = await page.locator("#listing figcaption").allInnerTexts();
  const high = values.findIndex((t) => parseFloat(t.split("= ")[1]) >= 150);
  if (high < 0) throw new Error(`no row predicted at least 150: ${values.slice(0, 5)}`);
  await page.locator("#listing figure").nth(high).click();
  await page.click("#selected-image");
  await page.waitForFunction(() => document.getElementById("notice").textContent.includes("give a conclusion"));
  await idle();
  await page.fill("#conclusion", "v(0)>=150");
  await page.click("#selected-image");
  await page.waitForSelector("#figure-table table.rows");
  await idle();
  await inFeatures("number");
  if (!(await text("#view-title")).includes("150")) throw new Error(`title ${await text("#view-title")}`);
  await viewShot("number");

  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  console.log("explorer browser test passed");
} catch (e) {
  await shot("failure").catch(() => {});
  console.error(`explorer browser test failed at step ${step + 1}: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
