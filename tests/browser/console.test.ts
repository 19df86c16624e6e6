// The console in a real browser (Debian's chromium, driven by playwright-core) against a
// real heraldd: what operations and service staff do with it, and what they must not see.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
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
    if (message.type() === "error") errors.push(`${role}: ${message.text()}`);
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
            htmlBody: "<p>Hallo {{customer.name}}, je bestelling is onderweg.</p>",
            textBody: "Hallo {{customer.name}}, je bestelling is onderweg.",
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
