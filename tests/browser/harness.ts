// A whole Herald for the browser tests: a real heraldd on the embedded Kafka broker, the
// local SMTP server and SMS provider, each on a free loopback port in a temporary
// directory, stopped at the end. Events go in through Kafka (kcat), as a backend sends them.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Stack {
  dir: string;
  /** The console and the JSON API: http://127.0.0.1:PORT */
  base: string;
  /** The public listener (preference centre, unsubscribe). */
  publicBase: string;
  bootstrap: string;
  adminToken: string;
  smsDir: string;
  mailDir: string;
  /** A key of the role, made through the JSON API. */
  key(role: string, name: string): Promise<string>;
  /** Calls a herald.v1 method as the admin (or with `token`); the parsed JSON answer. */
  call(method: string, body: unknown, token?: string): Promise<Record<string, unknown>>;
  /** Produces one JSON event to a topic, keyed by its customer. */
  publish(topic: string, event: Record<string, unknown>): void;
  heralddLog(): string;
  stop(): Promise<void>;
}

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set`);
  return value;
}

// Starts a program and waits for a stderr line matching `ready`; the match.
function start(
  command: string,
  args: string[],
  ready: RegExp,
  log: string[],
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let buffer = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} did not start in 60 s:\n${log.join("")}`));
    }, 60_000);
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      log.push(chunk);
      buffer += chunk;
      const match = buffer.match(ready);
      if (match !== null) {
        clearTimeout(timer);
        buffer = "";
        resolve({ child, match });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(
        new Error(`${command} exited (${String(code)}) before it was ready:\n${log.join("")}`),
      );
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.removeAllListeners("exit");
    child.on("exit", () => {
      resolve();
    });
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 20_000).unref();
  });
}

export async function startStack(): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), "herald-browser-"));
  const children: ChildProcess[] = [];
  try {
    return await startIn(dir, children);
  } catch (error) {
    for (const child of children) await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startIn(dir: string, children: ChildProcess[]): Promise<Stack> {
  const source = env("HERALD_SOURCE_DIR");
  const smsDir = join(dir, "sms");
  const mailDir = join(dir, "mail");
  mkdirSync(smsDir);
  mkdirSync(mailDir);
  const sinkLog: string[] = [];
  const sms = await start(
    "/usr/bin/python3",
    [join(source, "tools/demo/sms_sink.py"), "--dir", smsDir, "--port", "0"],
    /listening 127\.0\.0\.1:(\d+)/,
    sinkLog,
  );
  children.push(sms.child);
  const smtp = await start(
    "/usr/bin/python3",
    [join(source, "tools/demo/smtp_sink.py"), "--dir", mailDir, "--port", "0"],
    /listening 127\.0\.0\.1:(\d+)/,
    sinkLog,
  );
  children.push(smtp.child);

  const config = `server:
  grpc_listen: 127.0.0.1:0
  http_listen: 127.0.0.1:0
  public: {listen: 127.0.0.1:0}
  console_dir: ${join(source, "console/dist")}
  shutdown_grace: 2s
store:
  sqlite: {path: ${join(dir, "herald.db")}}
kafka:
  embedded: true
  consumer_properties: {session.timeout.ms: "3500"}
auth:
  admin_token_file: ${join(dir, "admin.token")}
policy:
  quiet_hours: "off"
email:
  url: smtp://127.0.0.1:${smtp.match[1] ?? ""}
  starttls: "off"
  from_address: noreply@herald.example
  from_name: Herald Bank
sms:
  provider: generic_json
  url: http://127.0.0.1:${sms.match[1] ?? ""}/send
dispatch:
  unsubscribe_base_url: https://bank.example/unsubscribe
  preferences_base_url: https://bank.example/preferences
  unsubscribe_secret: browser-test-link-secret
`;
  writeFileSync(join(dir, "heraldd.yaml"), config);
  const log: string[] = [];
  const heraldd = start(
    env("HERALDD"),
    ["--config", join(dir, "heraldd.yaml")],
    /msg="ready"/,
    log,
  );
  children.unshift((await heraldd).child);
  const text = log.join("");
  const port = (pattern: RegExp): string => {
    const m = text.match(pattern);
    if (m?.[1] === undefined) throw new Error(`no ${pattern.source} in heraldd's log:\n${text}`);
    return m[1];
  };
  const base = `http://127.0.0.1:${port(/listener=internal address=127\.0\.0\.1:(\d+)/)}`;
  const publicBase = `http://127.0.0.1:${port(/listener=public address=127\.0\.0\.1:(\d+)/)}`;
  const bootstrap = port(/bootstrap=(\S+)/);
  const adminToken = readFileSync(join(dir, "admin.token"), "utf8").trim();

  const call = async (method: string, body: unknown, token = adminToken) => {
    const response = await fetch(`${base}/herald.v1.${method}`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Authorization: `Bearer ${token}`,
      },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${method}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };

  return {
    dir,
    base,
    publicBase,
    bootstrap,
    adminToken,
    smsDir,
    mailDir,
    call,
    async key(role: string, name: string) {
      const made = await call("KeyService/CreateApiKey", {
        apiKey: { name, role },
      });
      return String(made.token);
    },
    publish(topic: string, event: Record<string, unknown>) {
      const produced = spawnSync(
        "kcat",
        [
          "-P",
          "-b",
          bootstrap,
          "-t",
          topic,
          "-k",
          String(event.customerId),
          "-X",
          "acks=all",
        ].concat(["-H", "content-type=application/json"]),
        {
          input: JSON.stringify(event) + "\n",
          encoding: "utf8",
          timeout: 30_000,
        },
      );
      if (produced.status !== 0) {
        throw new Error(`kcat failed (${String(produced.status)}): ${produced.stderr}`);
      }
    },
    heralddLog: () => log.join(""),
    async stop() {
      for (const child of children) await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
