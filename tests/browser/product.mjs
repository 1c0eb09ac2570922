// What the browser tests share: the product started as `make run` starts it (python -m
// bot.tools.run on free loopback ports and a temporary var/), Debian's Chromium, axe-core,
// and the keyboard and chat steps every test takes.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const PYTHON = path.join(ROOT, ".venv", "bin", "python");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export const REPLY_TIMEOUT = 30_000;

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Starts `python -m bot.tools.run` and resolves, once it prints that it is ready, with
// { baseUrl, stop, env } (env: the run's environment, e.g. for a script over its database). `prepare(env)` runs first with the run's environment (e.g. to add users).
export async function startProduct(prefix, extraEnv = {}, prepare = () => {}) {
  const [appPort, enginePort, actionPort] = [await freePort(), await freePort(), await freePort()];
  const varDir = mkdtempSync(path.join(tmpdir(), prefix));
  const env = { ...process.env, VAR_DIR: varDir, APP_PORT: String(appPort),
    ENGINE_PORT: String(enginePort), ACTION_PORT: String(actionPort), ...extraEnv };
  delete env.DATABASE_URL;
  prepare(env);
  const app = spawn(PYTHON, ["-m", "bot.tools.run"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
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

  async function stop() {
    if (app.exitCode === null) {
      const exited = new Promise((resolve) => app.on("exit", resolve));
      app.kill("SIGINT");
      const timer = setTimeout(() => app.kill("SIGKILL"), 60_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(varDir, { recursive: true, force: true });
  }
  return { baseUrl: `http://127.0.0.1:${appPort}`, stop, env };
}

export async function launchChromium() {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
  // playwright-core gives each launch a fresh profile directory (--user-data-dir).
  return chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"] });
}

// axe-core over the whole page, every rule axe runs by default (WCAG A/AA and best practices).
// Evaluated through the DevTools protocol, so the page's Content-Security-Policy stays on.
export async function axeViolations(page) {
  // A new message fades in (150 ms): colours are judged once it is fully shown, as people see it.
  await page.waitForFunction(
    () => document.getAnimations().every((a) => a.playState !== "running"));
  await page.evaluate(AXE);
  const results = await page.evaluate(() => window.axe.run(document));
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")),
  }));
}

// Presses Tab (or `key`) until `selector` has focus; returns how many presses it took.
export async function tabTo(page, selector, key = "Tab", limit = 60) {
  for (let presses = 1; presses <= limit; presses += 1) {
    await page.keyboard.press(key);
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return presses;
  }
  throw new Error(`${selector} never got focus with ${key}`);
}

export async function botMessages(page) {
  return page.$$eval("#log .msg.bot .text", (nodes) => nodes.map((n) => n.textContent));
}

// Types a message and presses Enter; resolves with the bot messages that answered it.
export async function say(page, text) {
  const before = (await botMessages(page)).length;
  await page.keyboard.type(text);
  await page.keyboard.press("Enter");
  await page.waitForFunction((n) => document.querySelectorAll("#log .msg.bot").length > n,
    before, { timeout: REPLY_TIMEOUT });
  await page.waitForFunction(() => !document.getElementById("send").disabled);
  return (await botMessages(page)).slice(before).join("\n");
}

// The real app over a temporary database with data in it, without the engine
// (tests/browser/pages_server.py): resolves with { server, urls } (the verification, bill and
// receipt pages; the same app has a console admin "chief").
export async function startPages() {
  const server = spawn(PYTHON, [path.join(ROOT, "tests", "browser", "pages_server.py")],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const urls = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pages not ready:\n${output}`)), 60_000);
    server.stdout.on("data", (chunk) => {
      output += chunk;
      const line = output.split("\n").find((l) => l.startsWith("{"));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    });
    server.stderr.on("data", (chunk) => { output += chunk; });
    server.on("exit", (code) => reject(new Error(`pages_server exited with ${code}:\n${output}`)));
  });
  server.removeAllListeners("exit");
  // the first line comes before the server listens: wait until it answers
  for (let i = 0; i < 100; i += 1) {
    try {
      if ((await fetch(urls.verify)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { server, urls };
}
