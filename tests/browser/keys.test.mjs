// The console's agency API keys page in a real browser, keyboard only, checked with axe-core:
// an admin issues a forest key to DNP (the key is shown once, in a focused field), the key
// opens the forest staff API, a form without a service is refused with a Thai alert, and the
// admin revokes the key, which shuts it out. The real app without the engine
// (tests/browser/pages_server.py).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { axeViolations, launchChromium, startPages, tabTo } from "./product.mjs";

const PASSWORD = "chief password 1"; // pages_server.py's ADMIN_PASSWORD

let pages, browser, signIn;

before(async () => {
  pages = await startPages();
  signIn = new URL("/console/login", pages.urls.verify).href;
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (pages) pages.server.kill();
});

async function pressAndLoad(page) {
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
}

async function alarms(key) {
  const url = new URL("/api/forest/alarms", signIn);
  return (await fetch(url, { headers: { Authorization: `Bearer ${key}` } })).status;
}

test("an admin issues and revokes an agency key with the keyboard alone; 0 axe violations", async () => {
  const page = await (await browser.newContext({ locale: "th-TH" })).newPage();
  await page.goto(signIn);
  await tabTo(page, "#username");
  await page.keyboard.type("chief");
  await page.keyboard.press("Tab");
  await page.keyboard.type(PASSWORD);
  await pressAndLoad(page);
  await tabTo(page, "a[href='/console/keys']");
  await pressAndLoad(page);
  assert.equal(new URL(page.url()).pathname, "/console/keys");
  assert.match(await page.textContent("main"), /ยังไม่มีกุญแจ/);
  assert.deepEqual(await axeViolations(page), []);

  // no service chosen: refused with a Thai alert, nothing issued
  await tabTo(page, "#agency_code");
  await page.keyboard.type("DNP");
  await page.keyboard.press("Tab");
  await page.keyboard.type("กรมอุทยานแห่งชาติ สัตว์ป่า และพันธุ์พืช");
  await tabTo(page, "form[action='/console/keys'] button[type=submit]");
  await pressAndLoad(page);
  assert.match(await page.textContent("[role=alert]"), /อย่างน้อยหนึ่งบริการ/);
  assert.deepEqual(await axeViolations(page), []);

  // the form kept what was typed: tick forest with the space bar and send
  await tabTo(page, "#service_forest");
  await page.keyboard.press("Space");
  await tabTo(page, "form[action='/console/keys'] button[type=submit]");
  await pressAndLoad(page);
  const focused = await page.evaluate(() => document.activeElement.id);
  assert.equal(focused, "key-value"); // a screen reader reads the new key at once
  const key = await page.inputValue("#key-value");
  assert.match(key, /^ak_/);
  assert.deepEqual(await axeViolations(page), []);
  assert.equal(await alarms(key), 200);

  await page.goto(new URL("/console/keys", signIn).href);
  assert.ok(!(await page.content()).includes(key)); // shown once only
  await tabTo(page, "button[aria-label^='ยกเลิกกุญแจ #1 ']");
  await pressAndLoad(page);
  assert.match(await page.textContent("main"), /ยกเลิกแล้วเมื่อ/);
  assert.deepEqual(await axeViolations(page), []);
  assert.equal(await alarms(key), 401);
  await page.context().close();
});
