// The operator console in a real browser, keyboard only, checked with axe-core: a web chat
// citizen asks for a person; an operator signs in, finds the conversation in the queue, claims
// it and replies; the citizen's page shows the reply without reloading; the operator hands the
// conversation back and the bot answers the citizen's next message.
//
// Starts the product as `make run` does (python -m bot.tools.run, free loopback ports, a
// temporary var/), with an operator made by `python -m bot.app.console create-user`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { PYTHON, ROOT, REPLY_TIMEOUT as TIMEOUT, axeViolations, launchChromium, say,
  startProduct, tabTo } from "./product.mjs";

const PASSWORD = "operator password 1";

let product, browser, baseUrl;

before(async () => {
  product = await startProduct("govbot-console-", { CONSOLE_HOURS: "24h" }, (env) => {
    for (const args of [["create-user", "somjai", "operator"], ["create-admin", "chief"]]) {
      execFileSync(PYTHON, ["-m", "bot.app.console", ...args],
        { cwd: ROOT, env: { ...env, CONSOLE_PASSWORD: PASSWORD } });
    }
    // a motorcycle-taxi complaint for the agency queue (as the chat files one)
    execFileSync(PYTHON, ["-c", `
from bot.kernel import db
from bot.kernel.settings import Settings
from skills.motortaxi import service
with db.session_factory(Settings.from_env().database_url).begin() as s:
    service.file_complaint(s, "web:browsertest1", "overcharge", "เก็บเงินเกิน 100 บาท")
`], { cwd: ROOT, env });
  });
  baseUrl = product.baseUrl;
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (product) await product.stop();
});

async function waitBot(page, words) {
  await page.waitForFunction((w) => [...document.querySelectorAll("#log .msg.bot .text")]
    .some((n) => n.textContent.includes(w)), words, { timeout: TIMEOUT });
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
  // the queues, keyboard only: a complaint's new status; a police warning drafted, published
  await admin.goto(`${baseUrl}/console/cases`);
  assert.deepEqual(await axeViolations(admin), [], "/console/cases");
  await tabTo(admin, "select[name='status']");
  await admin.keyboard.press("ArrowDown");
  await tabTo(admin, "form[action$='/motortaxi_complaints/status'] button");
  await pressAndLoad(admin);
  assert.match(await admin.textContent("#motortaxi_complaints"), /investigating/);
  await tabTo(admin, "input[name='district']");
  await admin.keyboard.type("ปทุมวัน");
  await tabTo(admin, "textarea[name='text']");
  await admin.keyboard.type("ระวังมิจฉาชีพหลอกขายบัตรคอนเสิร์ตหน้าห้าง");
  await admin.keyboard.press("Tab");
  await admin.keyboard.type("สน.ปทุมวัน");
  await tabTo(admin, "form[action$='/police_warnings/draft'] button");
  await pressAndLoad(admin);
  assert.match(await admin.textContent("#police_warnings"), /draft/);
  assert.deepEqual(await axeViolations(admin), [], "/console/cases with a draft");
  await tabTo(admin, "form[action$='/police_warnings/publish'] button");
  await pressAndLoad(admin);
  assert.match(await admin.textContent("#police_warnings"), /published/);
  for (const page of ["/console/supervisor", "/console/audit"]) {
    await admin.goto(`${baseUrl}${page}`);
    assert.equal(await admin.getAttribute("html", "lang"), "th");
    assert.deepEqual(await axeViolations(admin), [], page);
  }
  assert.match(await admin.textContent("main"), /case_status|case_publish/);
});

test("console pages pass axe-core in dark forced colours at 200% zoom, without sideways scrolling", async () => {
  const context = await browser.newContext({ locale: "th-TH", colorScheme: "dark",
    forcedColors: "active", viewport: { width: 640, height: 480 }, deviceScaleFactor: 2 });
  const page = await context.newPage();
  const check = async (name) => {
    await page.evaluate(() => { document.documentElement.style.zoom = "2"; });
    assert.deepEqual(await axeViolations(page), [], name);
    const wide = await page.evaluate(() => {
      const room = document.documentElement.clientWidth;
      return document.documentElement.scrollWidth <= room + 1 ? [] : [...document.querySelectorAll(
        "body *")].filter((el) => el.getBoundingClientRect().right > room + 1
        && !el.closest(".table-scroll")).map((el) => el.tagName + (el.id ? `#${el.id}` : "")
        + (el.className ? `.${el.className}` : "")).slice(0, 8);
    });
    assert.deepEqual(wide, [], `${name} needs no sideways scrolling at 200%`);
    await page.evaluate(() => { document.documentElement.style.zoom = "1"; });
  };
  await page.goto(`${baseUrl}/console/login`);
  await check("/console/login");
  await page.fill("#username", "chief");
  await page.fill("#password", PASSWORD);
  await Promise.all([page.waitForNavigation(), page.press("#password", "Enter")]);
  for (const path of ["/console/", "/console/cases", "/console/supervisor", "/console/audit",
    "/console/keys"]) {
    await page.goto(`${baseUrl}${path}`);
    await check(path);
  }
  await context.close();
});
