// The operator console in a real browser, keyboard only, checked with axe-core: a web chat
// citizen asks for a person; an operator signs in, finds the conversation in the queue, claims
// it and replies; the citizen's page shows the reply without reloading; the operator hands the
// conversation back and the bot answers the citizen's next message.
//
// Starts the product as `make run` does (python -m bot.tools.run, free loopback ports, a
// temporary var/), with an operator made by `python -m bot.app.console create-user`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PYTHON = path.join(ROOT, ".venv", "bin", "python");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const TIMEOUT = 30_000;
const PASSWORD = "operator password 1";

let app, varDir, browser, baseUrl;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startProduct() {
  const [appPort, enginePort, actionPort] = [await freePort(), await freePort(), await freePort()];
  varDir = mkdtempSync(path.join(tmpdir(), "govbot-console-"));
  const env = { ...process.env, VAR_DIR: varDir, APP_PORT: String(appPort),
    ENGINE_PORT: String(enginePort), ACTION_PORT: String(actionPort), CONSOLE_HOURS: "24h" };
  delete env.DATABASE_URL;
  execFileSync(PYTHON, ["-m", "bot.app.console", "create-user", "somjai", "operator"],
    { cwd: ROOT, env: { ...env, CONSOLE_PASSWORD: PASSWORD } });
  execFileSync(PYTHON, ["-m", "bot.app.console", "create-admin", "chief"],
    { cwd: ROOT, env: { ...env, CONSOLE_PASSWORD: PASSWORD } });
  app = spawn(PYTHON, ["-m", "bot.tools.run"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in 300 s:\n${output}`)), 300_000);
    const read = (chunk) => {
      output += chunk;
      if (output.includes("press Ctrl-C to stop")) {
        clearTimeout(timer);
        resolve();
      }
    };
    app.stdout.on("data", read);
    app.stderr.on("data", read);
    app.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`bot.tools.run exited with ${code}:\n${output.slice(-3000)}`));
    });
  });
  app.removeAllListeners("exit");
  baseUrl = `http://127.0.0.1:${appPort}`;
}

async function stopProduct() {
  if (app && app.exitCode === null) {
    const exited = new Promise((resolve) => app.on("exit", resolve));
    app.kill("SIGINT");
    const timer = setTimeout(() => app.kill("SIGKILL"), 60_000);
    await exited;
    clearTimeout(timer);
  }
  if (varDir) rmSync(varDir, { recursive: true, force: true });
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
  await startProduct();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"] });
});

after(async () => {
  if (browser) await browser.close();
  await stopProduct();
});

async function axeViolations(page) {
  await page.waitForFunction(
    () => document.getAnimations().every((a) => a.playState !== "running"));
  await page.evaluate(AXE);
  const results = await page.evaluate(() => window.axe.run(document));
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")),
  }));
}

async function tabTo(page, selector, limit = 60) {
  for (let presses = 1; presses <= limit; presses += 1) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
  }
  throw new Error(`${selector} never got focus with Tab`);
}

async function botTexts(page) {
  return page.$$eval("#log .msg.bot .text", (nodes) => nodes.map((n) => n.textContent));
}

async function waitBot(page, words) {
  await page.waitForFunction((w) => [...document.querySelectorAll("#log .msg.bot .text")]
    .some((n) => n.textContent.includes(w)), words, { timeout: TIMEOUT });
}

async function say(page, text) {
  const before = (await botTexts(page)).length;
  await page.keyboard.type(text);
  await page.keyboard.press("Enter");
  await page.waitForFunction((n) => document.querySelectorAll("#log .msg.bot").length > n,
    before, { timeout: TIMEOUT });
  await page.waitForFunction(() => !document.getElementById("send").disabled);
  return (await botTexts(page)).slice(before).join("\n");
}

// Submits the form of the focused button with Enter and waits for the next page.
async function pressAndLoad(page) {
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
}

test("an operator serves a web chat citizen with the keyboard alone; 0 axe violations", async () => {
  const citizen = await (await browser.newContext({ locale: "th-TH" })).newPage();
  await citizen.goto(`${baseUrl}/`);
  await tabTo(citizen, "#message");
  const asked = await say(citizen, "ขอคุยกับเจ้าหน้าที่หน่อยครับ");
  assert.match(asked, /ส่งเรื่องถึงเจ้าหน้าที่แล้ว/);

  const operator = await (await browser.newContext({ locale: "th-TH" })).newPage();
  await operator.goto(`${baseUrl}/console/login`);
  assert.equal(await operator.getAttribute("html", "lang"), "th");
  assert.deepEqual(await axeViolations(operator), []);
  await tabTo(operator, "#username");
  await operator.keyboard.type("somjai");
  await operator.keyboard.press("Tab");
  await operator.keyboard.type(PASSWORD);
  await pressAndLoad(operator);
  assert.equal(new URL(operator.url()).pathname, "/console/");
  assert.deepEqual(await axeViolations(operator), []);

  await tabTo(operator, "a[href^='/console/handoff/']");
  await pressAndLoad(operator);
  assert.match(await operator.textContent("main"), /ขอคุยกับเจ้าหน้าที่หน่อยครับ/);
  assert.deepEqual(await axeViolations(operator), []);
  await tabTo(operator, "form[action$='/claim'] button");
  await pressAndLoad(operator);
  await waitBot(citizen, "รับเรื่องแล้ว");

  await tabTo(operator, "#reply");
  await operator.keyboard.type("สวัสดีครับ ผมสมใจ ยินดีช่วยครับ");
  await tabTo(operator, "form[action$='/reply'] button");
  await pressAndLoad(operator);
  // the citizen's page shows it without reloading (server-sent events)
  await waitBot(citizen, "เจ้าหน้าที่: สวัสดีครับ ผมสมใจ ยินดีช่วยครับ");
  assert.deepEqual(await axeViolations(operator), []);
  assert.deepEqual(await axeViolations(citizen), []);

  await tabTo(operator, "form[action$='/resume'] button");
  await pressAndLoad(operator);
  await waitBot(citizen, "ส่งการสนทนากลับให้ระบบตอบอัตโนมัติแล้ว");
  await citizen.focus("#message");
  const menu = await say(citizen, "สวัสดีค่ะ");
  assert.match(menu, /1\. ตำรวจ/);
});

test("every other console page passes axe-core (an admin sees them all)", async () => {
  const admin = await (await browser.newContext({ locale: "th-TH" })).newPage();
  await admin.goto(`${baseUrl}/console/login`);
  await tabTo(admin, "#username");
  await admin.keyboard.type("chief");
  await admin.keyboard.press("Tab");
  await admin.keyboard.type(PASSWORD);
  await pressAndLoad(admin);
  for (const page of ["/console/cases", "/console/supervisor", "/console/audit"]) {
    await admin.goto(`${baseUrl}${page}`);
    assert.equal(await admin.getAttribute("html", "lang"), "th");
    assert.deepEqual(await axeViolations(admin), [], page);
  }
  assert.match(await admin.textContent("main"), /login|claim|reply|resume/);
});
