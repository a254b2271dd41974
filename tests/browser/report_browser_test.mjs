// Opens Pathwise's reports in headless Chromium (Debian's package, driven by puppeteer-core) and
// checks what a person would see. Prints "N passed, M failed" and exits non-zero on a failure.
//
//   node report_browser_test.mjs --chromium /usr/bin/chromium --dir DIR [--screenshots DIR]
//   node report_browser_test.mjs --chromium /usr/bin/chromium --render FILE   (prints timings)
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const require = createRequire(import.meta.url);
const puppeteer = require("puppeteer-core");

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].slice(2)] = process.argv[i + 1];

let passed = 0, failed = 0;
function check(ok, what) {
  if (ok) { passed++; console.log("ok   " + what); } else { failed++; console.log("FAIL " + what); }
}

const browser = await puppeteer.launch({
  executablePath: args.chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--disable-component-update"],
});

/// A page that records every request other than the report file itself, and refuses them.
const W = Number(args.width || 1200), H = Number(args.height || 900);
async function open(file, { js = true, width = W, height = H, intercept = true } = {}) {
  const page = await browser.newPage();
  await page.setViewport({ width, height });
  await page.setJavaScriptEnabled(js);
  const url = "file://" + path.resolve(file);
  const requests = [];
  if (intercept) await page.setRequestInterception(true);
  page.on("request", (r) => {
    if (!intercept) { if (r.url() !== url) requests.push(r.url()); return; }
    if (r.url() === url) { r.continue(); return; }
    requests.push(r.url());
    r.abort();
  });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: "load" });
  return { page, requests, errors };
}

const column = (page, i) =>
  page.$$eval("#heatmap tbody tr", (rows, i) => rows.map((r) => r.cells[i].textContent), i);

try {
  if (args.render) {
    // Render time of one report: from navigation to the end of the page's script, and to load.
    // Without request interception, which slows loading; times from the page's own clock.
    const t0 = Date.now();
    const { page, errors } = await open(args.render, { intercept: false });
    const loadMs = Date.now() - t0;
    const t = await page.evaluate(() => {
      const n = performance.getEntriesByType("navigation")[0];
      const fcp = performance.getEntriesByName("first-contentful-paint")[0];
      return { dom_content_loaded_ms: Math.round(n.domContentLoadedEventEnd),
               load_event_ms: Math.round(n.loadEventEnd),
               first_contentful_paint_ms: fcp ? Math.round(fcp.startTime) : null,
               script_done_ms: Math.round(window.pathwiseReady || 0) };
    });
    const rows = await page.$$eval("#heatmap tbody tr", (r) => r.length);
    console.log(JSON.stringify({ file: path.basename(args.render), bytes: readFileSync(args.render).length,
                                 ...t, goto_ms: loadMs, rows, errors }));
    if (args.screenshot) {
      await page.$eval("#heat", (e) => e.scrollIntoView());
      await page.screenshot({ path: args.screenshot });
    }
  } else {
    const dir = args.dir;
    // The request check can fail: a page that loads an image (from a loopback port nothing
    // listens on) is caught.
    {
      const probe = path.join(dir, "probe.html");
      (await import("node:fs")).writeFileSync(probe, '<!DOCTYPE html><img src="http://127.0.0.1:9/x.png">');
      const { page, requests } = await open(probe);
      check(requests.length === 1, "probe: a page that makes a request is caught");
      await page.close();
    }
    const expect = JSON.parse(readFileSync(path.join(dir, "expect.json"), "utf8"));
    const shots = args.screenshots;

    // The class report.
    {
      const { page, requests, errors } = await open(path.join(dir, "class.html"));
      const rows = await page.$$eval("#heatmap tbody tr", (r) => r.length);
      check(rows === expect.learners, `class: ${rows} learner rows, expected ${expect.learners}`);
      // Alice answered s1 right once: 0.5*0.9/(0.5*0.9+0.5*0.2) = 0.8182, then learn 0.2: 0.8545.
      const alice = await page.$$eval("#heatmap tbody tr", (rs) => {
        const r = rs.find((r) => r.cells[0].textContent === "Alice");
        return r ? Array.from(r.cells).map((c) => c.textContent) : null;
      });
      check(alice && alice[3] === "0.85", `class: Alice's s1 cell is 0.85 (got ${alice && alice[3]})`);
      // The skill names are escaped text, not markup.
      const header = await page.$$eval("#heatmap thead th", (h) => h.map((x) => x.textContent));
      check(header.includes("Décimales & <tags>"), "class: a skill name with markup shows as text");
      check(!(await page.$("tags")), "class: no element was made from a name");
      // Sorting by a skill column: ascending, then descending, and the rows move.
      const before = await column(page, 0);
      await page.click("#heatmap thead th:nth-child(4)");
      const asc = (await column(page, 3)).map(Number);
      check(asc.every((v, i) => i === 0 || asc[i - 1] <= v), "class: a click on s1 sorts ascending");
      const after = await column(page, 0);
      check(after.join() !== before.join(), "class: the learner rows were reordered");
      await page.click("#heatmap thead th:nth-child(4)");
      const desc = (await column(page, 3)).map(Number);
      check(desc.every((v, i) => i === 0 || desc[i - 1] >= v), "class: a second click sorts descending");
      await page.click("#heatmap thead th:nth-child(1)");
      const names = await column(page, 0);
      check(names.every((v, i) => i === 0 || names[i - 1].toLowerCase() <= v.toLowerCase()),
            "class: a click on Learner sorts by label");
      const sorted = await page.$eval("#heatmap thead th:nth-child(1)", (t) => t.getAttribute("aria-sort"));
      check(sorted === "ascending", "class: the sorted header says so (aria-sort)");
      const attention = await page.$$eval("#attention-table tbody tr", (r) => r.map((x) => x.textContent));
      check(attention.some((t) => t.includes("wheel-spinning")), "class: a wheel-spinning learner is listed");
      check(requests.length === 0, `class: no network request (${requests.join(" ")})`);
      check(errors.length === 0, `class: no script error (${errors.join(" ")})`);
      const html = readFileSync(path.join(dir, "class.html"), "utf8");
      check(!html.includes("alice@example.org") && !html.includes("carol-7") && !html.includes("dan <script>"),
            "class: no learner id in the file");
      if (shots) {
        await page.click("#heatmap thead th:nth-child(3)");  // by distance from goals
        await page.click("#heatmap thead th:nth-child(3)");
        await page.$eval("#heat", (e) => e.scrollIntoView());
        await page.screenshot({ path: path.join(shots, "report-class.png") });
      }
      await page.close();
    }
    {
      const { page, requests } = await open(path.join(dir, "class.html"), { js: false });
      // In print the navigation goes and the heatmap's scroll box opens up.
      await page.emulateMediaType("print");
      const nav = await page.$eval("nav", (n) => getComputedStyle(n).display);
      const box = await page.$eval(".scroll", (d) => getComputedStyle(d).overflow);
      check(nav === "none" && box === "visible", `class in print: no navigation, no scroll box (${nav}, ${box})`);
      await page.emulateMediaType("screen");
      const rows = await page.$$eval("#heatmap tbody tr", (r) => r.length);
      check(rows === expect.learners, `class without script: ${rows} rows`);
      const tables = await page.$$eval("table", (t) => t.length);
      check(tables >= 4, `class without script: ${tables} tables`);
      const cell = await page.$$eval("#heatmap tbody tr", (rs) => {
        const r = rs.find((r) => r.cells[0].textContent === "Alice");
        return r && r.cells[3].textContent;
      });
      check(cell === "0.85", "class without script: Alice's cell is there");
      check(requests.length === 0, "class without script: no network request");
      await page.close();
    }

    // The compact form of a large class: the image, and a click on its first column sorts the
    // rows by that skill (descending first), read back from each row's data.
    {
      const { page, requests, errors } = await open(path.join(dir, "class-compact.html"));
      const rows = await page.$$eval("#heatmap tbody tr", (r) => r.length);
      check(rows === expect.learners, `compact class: ${rows} learner rows`);
      const size = await page.$eval("#heatcanvas", (c) => [c.width, c.height]);
      check(size[0] > 0 && size[1] >= rows, `compact class: the heatmap image is drawn (${size})`);
      const s1 = () => page.$$eval("#heatmap tbody tr", (rs) => rs.map((r) => {
        const B = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const p = r.getAttribute("data-p");
        return B.indexOf(p[0]) * 64 + B.indexOf(p[1]);
      }));
      const alice = await page.$$eval("#heatmap tbody tr", (rs) =>
        rs.find((r) => r.cells[0].textContent === "Alice").getAttribute("data-p").slice(0, 2));
      check(alice === "NX", `compact class: Alice's s1 is encoded as 855 = 13 * 64 + 23 (got ${alice})`);
      // The image is taller than the window: bring its top into view, then click its first column.
      await page.$eval("#heatcanvas", (c) => c.scrollIntoView());
      await page.click("#heatcanvas", { offset: { x: 1, y: 1 } });
      const v = await s1();
      check(v.every((x, i) => i === 0 || v[i - 1] >= x), "compact class: a click on the image sorts by s1");
      check(requests.length === 0 && errors.length === 0, "compact class: no request, no script error");
      await page.close();
    }

    // The learner report.
    for (const js of [true, false]) {
      const { page, requests, errors } = await open(path.join(dir, "learner.html"), { js });
      const explanation = await page.$eval("#explanation", (e) => e.textContent);
      check(explanation === expect.explanation,
            `learner${js ? "" : " without script"}: the engine's explanation is shown`);
      const skills = await page.$$eval("#skills-table tbody tr", (r) => r.length);
      check(skills === 6, `learner${js ? "" : " without script"}: 6 skill rows`);
      const held = await page.$$eval("#held li", (l) => l.length);
      check(held >= 4, "learner: what is held, in plain words");
      check(requests.length === 0 && errors.length === 0, "learner: no request, no script error");
      if (js && shots) await page.screenshot({ path: path.join(shots, "report-learner.png") });
      await page.close();
    }

    // The fit report.
    for (const js of [true, false]) {
      const { page, requests, errors } = await open(path.join(dir, "fit.html"), { js });
      const skills = await page.$$eval("#params-table tbody tr", (r) => r.length);
      check(skills === expect.fit_skills, `fit${js ? "" : " without script"}: ${skills} skill rows`);
      const flags = await page.$$eval("#params-table tbody tr", (rs) =>
        rs.map((r) => r.cells[0].textContent + ":" + r.cells[11].textContent));
      check(["counting", "fractions", "guessing"].every((s) => flags.some((f) => f.startsWith(s + ":"))),
            "fit: every skill of the log is listed");
      const curves = await page.$$eval("#curves svg polyline", (p) => p.length);
      check(curves >= 2, "fit: learning curves drawn");
      const dots = await page.$$eval("#calibration circle", (c) => c.length);
      check(dots >= 3, "fit: calibration diagram drawn");
      if (js) {
        await page.click("#params-table thead th:nth-child(2)");
        const n = await page.$$eval("#params-table tbody tr", (rs) => rs.map((r) => Number(r.cells[1].textContent)));
        check(n.every((v, i) => i === 0 || n[i - 1] <= v), "fit: sorting by responses");
      }
      check(requests.length === 0 && errors.length === 0, "fit: no request, no script error");
      if (js && shots) await page.screenshot({ path: path.join(shots, "report-fit.png") });
      await page.close();
    }
    if (shots) {
      // Screenshots of the test's own pages, for a person to look at (ctest keeps them).
      console.log("screenshots in " + shots);
    }
  }
} finally {
  await browser.close();
}
if (!args.render) console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
