// The console in a real browser (Debian's chromium, driven by playwright-core) against a
// real heraldd: what operations and service staff do with it, and what they must not see.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

import { startStack, type Stack } from "./harness";

const kLimit = 30_000; // bound for a broken build; the tests wait for what they look for
const shots = process.env.HERALD_BROWSER_ARTIFACTS ?? join(process.cwd(), "browser-artifacts");

let stack!: Stack;
let browser!: Browser;
const started: { stack?: Stack; browser?: Browser } = {}; // what after() stops
const errors: string[] = [];
const keys: Record<string, string> = {};

function now(): string {
  return new Date().toISOString();
}

async function open(role: string, width = 1280, height = 800): Promise<[BrowserContext, Page]> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    // An API call the server refused (a draft with a syntax error, say) is logged by the
    // browser with its HTTP status; the page shows the refusal. Anything else counts.
    const refusedCall =
      message.text().startsWith("Failed to load resource") &&
      message.location().url.includes("/herald.v1.");
    if (!refusedCall) errors.push(`${role}: ${message.text()}`);
  });
  page.on("pageerror", (error) => {
    errors.push(`${role}: ${error.message}`);
  });
  page.setDefaultTimeout(kLimit);
  await page.goto(`${stack.base}/console/`);
  await page.getByLabel("API key or JWT").fill(keys[role] ?? "");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Sections" }).waitFor();
  return [context, page];
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  stack = started.stack = await startStack();
  browser = started.browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox"], // the tests run as root in CI
  });
  for (const role of ["operator", "viewer", "editor", "privacy"]) {
    keys[role] = await stack.key(`ROLE_${role.toUpperCase()}`, `${role}-desk`);
  }
  await stack.call("TemplateService/CreateTemplate", {
    template: {
      name: "order-shipped",
      category: "CATEGORY_ORDER_UPDATE",
      eventTypes: ["order.shipped"],
      defaultLocale: "nl",
      contents: [
        {
          locale: "nl",
          email: {
            subject: "Je bestelling {{order.order_id}} is onderweg",
            htmlBody:
              '<p>Hallo {{customer.name}}, je bestelling is onderweg.</p><p><a href="{{preferences_url}}">Je voorkeuren</a></p>',
            textBody:
              "Hallo {{customer.name}}, je bestelling is onderweg.\n\nJe voorkeuren: {{preferences_url}}",
          },
          sms: { text: "Bestelling {{order.order_id}} is onderweg" },
        },
        {
          locale: "en",
          email: {
            subject: "Your order {{order.order_id}} has shipped",
            htmlBody: "<p>Hello {{customer.name}}, your order is on its way.</p>",
            textBody: "Hello {{customer.name}}, your order is on its way.",
          },
        },
      ],
    },
  });
  await stack.call("TemplateService/CreateTemplate", {
    template: {
      name: "satisfaction-survey",
      category: "CATEGORY_SURVEY",
      eventTypes: ["service.complaint_resolved"],
      defaultLocale: "en",
      contents: [
        {
          locale: "en",
          email: { subject: "How did we do?", textBody: "Tell us." },
        },
      ],
    },
  });
  for (const profile of [
    {
      customerId: "anna",
      displayName: "Anna de Vries",
      email: "anna@example.nl",
      phone: "+31612345678",
      locale: "nl-NL",
      timeZone: "Europe/Amsterdam",
      preferredChannels: ["CHANNEL_SMS", "CHANNEL_EMAIL"],
    },
    {
      customerId: "james",
      displayName: "James Smith",
      email: "james@example.co.uk",
      locale: "en-GB",
      timeZone: "Europe/London",
      preferredChannels: ["CHANNEL_EMAIL"],
    },
  ]) {
    await stack.call("ProfileService/CreateProfile", { profile });
  }
});

after(async () => {
  await started.browser?.close();
  await started.stack?.stop();
  assert.deepEqual(errors, [], "the browser's console reported errors");
});

test("an operator signs in with an API key; a wrong key is refused with the reason", async () => {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
  });
  const page = await context.newPage();
  page.setDefaultTimeout(kLimit);
  await page.goto(`${stack.base}/console/`);
  await shot(page, "sign-in");
  await page.getByLabel("API key or JWT").fill("hk_nonsense");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "Not signed in" }).waitFor();
  await context.close();

  const [operator, signedIn] = await open("operator");
  assert.match((await signedIn.locator(".who").textContent()) ?? "", /operator-desk/);
  // An operator reads the delivery log and customers; there is no privacy button.
  await signedIn.getByRole("link", { name: "Delivery log" }).waitFor();
  await signedIn.getByRole("link", { name: "Customers" }).waitFor();
  await operator.close();
});

test("an event published to Kafka appears in the delivery log live, then is sent", async () => {
  const [context, page] = await open("operator");
  await page.getByRole("link", { name: "Delivery log" }).click();
  await page.locator(".live.on").waitFor();
  stack.publish("herald.orders", {
    eventId: "ord-1001-shipped",
    eventType: "order.shipped",
    occurTime: now(),
    customerId: "anna",
    order: { orderId: "1001", carrier: "PostNL" },
  });
  // No reload: the row comes through WatchNotifications, and follows the notification.
  const row = page.locator("table.notifications tbody tr", {
    hasText: "order-shipped",
  });
  await row.filter({ hasText: "anna" }).filter({ hasText: "SENT" }).waitFor();
  await shot(page, "delivery-log");

  await row.getByRole("link").first().click();
  await page.getByRole("heading", { name: /order-shipped to anna/ }).waitFor();
  await page.locator("pre.sms", { hasText: "Bestelling 1001 is onderweg" }).waitFor();
  assert.match(
    (await page.locator(".sms-size").textContent()) ?? "",
    /GSM-7, \d+ units, 1 segment/,
  );
  await page.locator(".timeline li", { hasText: "→ SENT" }).waitFor();
  await shot(page, "notification");
  await context.close();
});

test("the explain of a suppressed notification names the rule that failed", async () => {
  const [context, page] = await open("operator");
  stack.publish("herald.service", {
    eventId: "complaint-7-resolved",
    eventType: "service.complaint_resolved",
    occurTime: now(),
    customerId: "james",
    service: { complaint: { complaintId: "C-7" } },
  });
  await page.goto(`${stack.base}/console/#/deliveries?customer=james`);
  const row = page.locator("table.notifications tbody tr", {
    hasText: "satisfaction-survey",
  });
  await row.filter({ hasText: "SUPPRESSED" }).waitFor();
  await row.getByRole("link").first().click();
  await page.locator(".explain").filter({ hasText: /\S/ }).waitFor();
  const failed = page.locator("table.rules tr.fail");
  assert.equal(await failed.count(), 1);
  const [rule, verdict, detail] = await failed.locator("td").allTextContents();
  assert.equal(rule, "channel");
  assert.equal(verdict, "FAIL");
  assert.match(detail ?? "", /no SURVEY consent recorded; SURVEY is opt-in/);
  await shot(page, "explain-suppressed");
  await context.close();
});

test("an editor writes a template: a syntax error shows at its line, the fix previews in nl and en", async () => {
  const [context, page] = await open("editor");
  await page.getByRole("link", { name: "Templates" }).click();
  await page.getByRole("link", { name: "New template" }).click();
  await page.getByLabel("Name").fill("order-delayed");
  await page.getByLabel("Event types").fill("order.delayed");
  await page.getByLabel("Event types").press("Tab");

  const sms = page.getByRole("textbox", { name: "nl SMS" });
  await sms.click();
  await page.keyboard.type("Bestelling {{order.order_id}} is vertraagd");
  await page.keyboard.press("Enter");
  await page.keyboard.type("{{#order}}");
  const problem = page.getByRole("alert").filter({ hasText: "nl SMS, line 2, column 1:" });
  await problem.waitFor();
  await page.locator(".cm-lint-marker-error").first().waitFor();
  await shot(page, "template-syntax-error");

  await sms.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.type("Bestelling {{order.order_id}} is vertraagd");
  await problem.waitFor({ state: "detached" });
  assert.equal(await sms.innerText(), "Bestelling {{order.order_id}} is vertraagd");
  await page.locator(".preview pre.sms", { hasText: "Bestelling 1001 is vertraagd" }).waitFor();

  await page.getByLabel("New locale").fill("en");
  await page.getByRole("button", { name: "Add locale" }).click();
  await page.getByRole("textbox", { name: "en SMS" }).click();
  await page.keyboard.type("Order {{order.order_id}} is delayed");
  const previewLocale = page.locator(".preview").getByLabel("Locale");
  await previewLocale.selectOption("en");
  await page.locator(".preview pre.sms", { hasText: "Order 1001 is delayed" }).waitFor();
  await previewLocale.selectOption("nl");
  await page.locator(".preview pre.sms", { hasText: "Bestelling 1001 is vertraagd" }).waitFor();
  assert.match((await page.locator(".preview .sms-size").textContent()) ?? "", /GSM-7/);
  await shot(page, "template-editor");

  // The draft for a real customer and a stored event: James reads English.
  const preview = page.locator(".preview");
  await previewLocale.selectOption("");
  await preview.getByLabel("Customer").fill("james");
  await preview.getByLabel("Event").fill("no-such-event");
  await preview
    .getByRole("alert")
    .filter({ hasText: 'no event "no-such-event" is stored' })
    .waitFor();
  await preview.getByLabel("Event").fill("ord-1001-shipped");
  await page.locator(".preview pre.sms", { hasText: "Order 1001 is delayed" }).waitFor();
  await preview.getByLabel("Customer").fill("");
  await preview.getByLabel("Event").fill("");
  await previewLocale.selectOption("nl");
  await page.locator(".preview pre.sms", { hasText: "Bestelling 1001 is vertraagd" }).waitFor();

  // A test to the editor's own phone, through the real SMS provider, marked as a test.
  await page.getByLabel("Test on").selectOption({ label: "SMS" });
  await page.getByLabel("To", { exact: true }).fill("+31611111111");
  await page.getByRole("button", { name: "Send test" }).click();
  await page.getByRole("status").filter({ hasText: "Sent to +31611111111" }).waitFor();
  const texts = readdirSync(stack.smsDir)
    .filter((f) => f.endsWith(".json"))
    .map(
      (f) =>
        JSON.parse(readFileSync(join(stack.smsDir, f), "utf8")) as { to: string; text: string },
    )
    .filter((m) => m.to === "+31611111111")
    .map((m) => m.text);
  assert.deepEqual(texts, ["[TEST] Bestelling 1001 is vertraagd"]);

  await page.getByRole("button", { name: "Create" }).click();
  await page.getByRole("heading", { name: "Template order-delayed" }).waitFor();
  await page
    .getByLabel("Version")
    .locator("option", { hasText: "v1 (live) (latest)" })
    .waitFor({ state: "attached" });
  const stored = await stack.call("TemplateService/GetTemplate", { name: "order-delayed" });
  const contents = (stored.template as { contents: { locale: string }[] }).contents;
  assert.deepEqual(
    contents.map((c) => c.locale),
    ["nl", "en"],
  );
  await context.close();
});

test("a dead letter replayed after its cause is fixed is processed", async () => {
  // An order for a customer Herald does not know yet: refused, onto the dead-letter topic.
  stack.publish("herald.orders", {
    eventId: "ord-2002-shipped",
    eventType: "order.shipped",
    occurTime: now(),
    customerId: "lena",
    order: { orderId: "2002" },
  });
  const [context, page] = await open("operator");
  await page.getByRole("link", { name: "Dead letters" }).click();
  await page.getByLabel("Reason").fill("UNKNOWN_CUSTOMER");
  const row = page.locator("table.dead-letters tbody tr", { hasText: "UNKNOWN_CUSTOMER" });
  // The list is read when asked for: ask again until the letter is there.
  for (let tries = 0; (await row.count()) === 0; tries++) {
    assert.ok(tries < 60, "the dead letter never showed");
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForTimeout(500);
  }
  assert.match((await row.textContent()) ?? "", /"lena" has no profile/);
  assert.match((await row.textContent()) ?? "", /herald\.orders\/\d+@\d+/);
  await shot(page, "dead-letters");

  // The cause fixed: lena's profile arrives. Then the replay.
  await stack.call("ProfileService/CreateProfile", {
    profile: {
      customerId: "lena",
      email: "lena@example.de",
      locale: "de-DE",
      preferredChannels: ["CHANNEL_EMAIL"],
    },
  });
  await row.getByRole("button", { name: "Replay" }).click();
  await page.getByRole("status").filter({ hasText: "Replayed 1 letter" }).waitFor();
  await row.filter({ hasText: /by api-key:/ }).waitFor();

  await page.goto(`${stack.base}/console/#/deliveries?customer=lena`);
  await page
    .locator("table.notifications tbody tr", { hasText: "order-shipped" })
    .filter({ hasText: "SENT" })
    .waitFor();
  await context.close();
});

test("the overview charts what came in, what was sent and what was refused", async () => {
  const [context, page] = await open("operator");
  await page.getByRole("link", { name: "Overview" }).click();
  // Rates need two readings of /metrics, five seconds apart.
  await page.getByText("Collecting the first readings").waitFor({ state: "detached" });
  const sends = page.locator("figure", { hasText: "Sends accepted, per minute" });
  await sends.locator(".u-legend", { hasText: "SMS" }).waitFor();
  const deadLetters = page.locator(".tiles li", { hasText: "dead letters since start" });
  assert.match((await deadLetters.locator("strong").textContent()) ?? "", /^[1-9]\d*$/);
  // The work not done yet, counted by heraldd from the store.
  const outbox = page.locator(".tiles li", { hasText: "oldest queued notification" });
  assert.match((await outbox.locator("strong").textContent()) ?? "", /^\d+ s$/);
  await page.locator("table.at-work tr", { hasText: "QUEUED" }).waitFor();
  await page.locator("figure", { hasText: "Notifications not done yet, by state" }).waitFor();
  await shot(page, "overview");
  await context.close();
});

// The token of the preference-centre link in the latest email to `address`.
function preferencesToken(address: string): string | null {
  for (const file of readdirSync(stack.mailDir).sort().reverse()) {
    if (!file.endsWith(".json")) continue;
    const mail = readFileSync(join(stack.mailDir, file), "utf8");
    const parsed = JSON.parse(mail) as { rcpt_tos: string[] };
    if (!parsed.rcpt_tos.includes(address)) continue;
    const m = /https:\/\/bank\.example\/preferences\/([A-Za-z0-9_.-]+)/.exec(mail);
    if (m !== null) return m[1] ?? null;
  }
  return null;
}

test("a customer switches surveys off in the preference centre; the next survey is not sent", async () => {
  await stack.call("ProfileService/CreateProfile", {
    profile: {
      customerId: "pim",
      displayName: "Pim Jansen",
      email: "pim@example.nl",
      locale: "nl-NL",
      timeZone: "Europe/Amsterdam",
      preferredChannels: ["CHANNEL_EMAIL"],
      consents: [
        {
          category: "CATEGORY_SURVEY",
          channel: "CHANNEL_EMAIL",
          state: "CONSENT_STATE_GRANTED",
          source: "web",
        },
      ],
    },
  });
  stack.publish("herald.orders", {
    eventId: "ord-3003-shipped",
    eventType: "order.shipped",
    occurTime: now(),
    customerId: "pim",
    order: { orderId: "3003" },
  });
  let token: string | null = null;
  for (let i = 0; i < 300 && token === null; i++) {
    token = preferencesToken("pim@example.nl");
    if (token === null) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(token !== null, "the order's email carries a preferences link");

  // Pim opens it on his phone: no sign-in, his page in Dutch, his choices as they are.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  page.setDefaultTimeout(kLimit);
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`preference centre: ${message.text()}`);
  });
  await page.goto(`${stack.publicBase}/preferences/${token}`);
  await page.getByRole("heading", { name: "Jouw berichtvoorkeuren" }).waitFor();
  const survey = page.locator('input[name="SURVEY.EMAIL"]');
  assert.equal(await survey.isChecked(), true, "he said yes to surveys on the website");
  assert.equal(await page.locator('input[name="INFORMATIONAL.EMAIL"]').isChecked(), false);
  const security = page.locator('input[name="SECURITY.EMAIL"]');
  assert.equal(await security.isChecked(), true);
  assert.equal(await security.isDisabled(), true);
  await page.getByText("Deze berichten kun je niet uitzetten").waitFor();
  await shot(page, "preference-centre");
  await survey.uncheck();
  await page.getByRole("button", { name: "Opslaan" }).click();
  await page.getByText("Je keuzes zijn opgeslagen.").waitFor();
  assert.equal(await page.locator('input[name="SURVEY.EMAIL"]').isChecked(), false);
  await context.close();

  // His complaint is resolved: the survey is not sent, and the explain says why.
  stack.publish("herald.service", {
    eventId: "complaint-8-resolved",
    eventType: "service.complaint_resolved",
    occurTime: now(),
    customerId: "pim",
    service: { complaint: { complaintId: "C-8" } },
  });
  const [operator, desk] = await open("operator");
  await desk.goto(`${stack.base}/console/#/deliveries?customer=pim`);
  const row = desk.locator("table.notifications tbody tr", { hasText: "satisfaction-survey" });
  await row.filter({ hasText: "SUPPRESSED" }).waitFor();
  await row.getByRole("link").first().click();
  await desk.locator("table.rules tr.fail", { hasText: "by preference-centre" }).waitFor();
  await operator.close();
});

test("a customer's page shows the profile, consents and contact history", async () => {
  const [context, page] = await open("operator");
  await page.goto(`${stack.base}/console/#/customers/anna`);
  await page.getByRole("heading", { name: "Customer anna" }).waitFor();
  await page.getByText("anna@example.nl").waitFor();
  await page.locator("table.notifications tbody tr", { hasText: "order-shipped" }).waitFor();
  await shot(page, "customer");
  await context.close();
});

test("a viewer sees contact data masked and no privacy actions", async () => {
  const [context, page] = await open("viewer");
  assert.match((await page.locator(".who").textContent()) ?? "", /contact data masked/);
  await page.goto(`${stack.base}/console/#/customers/anna`);
  await page.getByText("a***@example.nl").waitFor();
  const text = (await page.locator("main").textContent()) ?? "";
  assert.ok(!text.includes("anna@example.nl"), "the viewer saw the email address");
  assert.ok(!text.includes("+31612345678"), "the viewer saw the phone number");
  assert.equal(await page.getByRole("button", { name: /Erase/ }).count(), 0);
  await shot(page, "customer-viewer");
  await context.close();
});

test("an operator pauses a template from its page; every page says so until it is resumed", async () => {
  const [context, page] = await open("operator");
  await page.goto(`${stack.base}/console/#/templates/satisfaction-survey`);
  await page.getByRole("heading", { name: "Template satisfaction-survey" }).waitFor();
  await page.getByLabel("Reason to pause sending").fill("survey tool is down");
  await page.getByRole("button", { name: "Pause sending" }).click();
  await page.getByRole("status").filter({ hasText: "Paused; 0 queued held." }).waitFor();
  const banner = page.getByRole("region", { name: "Sending paused" });
  await banner.filter({ hasText: "Sending paused: template satisfaction-survey" }).waitFor();
  assert.match((await banner.textContent()) ?? "", /by api-key:\S+ at .*: survey tool is down/);
  await shot(page, "kill-switch");

  // Everyone who reads the console sees it; only operators may resume it.
  const [viewerContext, viewer] = await open("viewer");
  const seen = viewer.getByRole("region", { name: "Sending paused" });
  await seen.filter({ hasText: "template satisfaction-survey" }).waitFor();
  assert.equal(await seen.getByRole("button", { name: "Resume" }).count(), 0);
  await viewerContext.close();

  await page.getByRole("link", { name: "Delivery log" }).click();
  await banner.getByLabel("Reason to resume template satisfaction-survey").fill("tool back");
  await banner.getByRole("button", { name: "Resume" }).click();
  await banner.waitFor({ state: "detached" });
  await context.close();
});

test("on a 390 px phone the pages fit the screen and the keyboard reaches every link", async () => {
  const [context, page] = await open("operator", 390, 844);
  for (const route of ["#/deliveries", "#/customers/anna", "#/overview"]) {
    await page.goto(`${stack.base}/console/${route}`);
    await page.locator("main h1").waitFor();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 1, `${route} is ${overflow} px wider than the phone`);
  }
  await shot(page, "overview-phone");
  // From the top of the page, Tab reaches the sections.
  await page.goto(`${stack.base}/console/#/deliveries`);
  const reached = new Set<string>();
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press("Tab");
    reached.add(await page.evaluate(() => document.activeElement?.textContent.trim() ?? ""));
  }
  for (const link of ["Delivery log", "Customers", "Sign out"]) {
    assert.ok(reached.has(link), `Tab never reached "${link}": ${[...reached].join(", ")}`);
  }
  await context.close();
});
