// End-to-end test of the explorer in headless Chromium, driven by Playwright:
// load the model, choose a category, select an image, explain it, see the
// interpolant and the grid, drill into a region, go back, open Examples.
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
  // hovering a region cell shows its predicate and fraction
  const region = page.locator("#cells .cell[data-row='1'][data-column='0']");
  await region.hover();
  const pred = await text("#predicate");
  if (!/^layer 14: v\(/.test(pred)) throw new Error(`hover shows ${pred}`);
  const frac = parseFloat(await text("#fraction"));
  if (!(frac > 0 && frac <= 1)) throw new Error(`hover fraction ${frac}`);
  await shot("explanation");

  // drill into the region: an explanation at layer 6
  await region.click();
  await page.waitForFunction(() => document.getElementById("view-text").textContent.startsWith("Interpolant: layer 6:"));
  await idle();
  if (await page.locator("#back").isDisabled()) throw new Error("back is disabled after a drill-down");
  await shot("drill-down");

  // back to the first explanation
  await page.click("#back");
  await page.waitForFunction(() => document.getElementById("view-text").textContent.startsWith("Interpolant: layer 14:"));
  await idle();
  if ((await text("#view-text")) !== itp) throw new Error("back did not restore the explanation");
  await shot("back");

  // Examples of a region's predicate, from the context menu, at the 10th percentile
  await page.fill("#percentile", "10");
  await page.locator("#cells .cell[data-row='1'][data-column='0']").click({ button: "right" });
  await page.waitForSelector("#menu:not([hidden])");
  await page.click("#menu-examples");
  await page.waitForFunction(() => document.getElementById("view-title").textContent.startsWith("examples of layer 14"));
  await idle();
  await shot("examples");

  // Counterexamples of the same conjunct
  await page.click("#back");
  await idle();
  await page.fill("#percentile", "");
  await page.locator("#cells .cell[data-row='1'][data-column='0']").click({ button: "right" });
  await page.click("#menu-counterexamples");
  await page.waitForFunction(() => document.getElementById("view-title").textContent.startsWith("counterexamples"));
  await idle();
  await shot("counterexamples");

  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  console.log("explorer browser test passed");
} catch (e) {
  await shot("failure").catch(() => {});
  console.error(`explorer browser test failed at step ${step + 1}: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
