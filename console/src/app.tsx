// The frame: sign-in until the server accepts a token, then the navigation and the page
// the route names.
import { useEffect, useState } from "preact/hooks";

import { api, describeError } from "./api";
import { session } from "./session";
import { useRoute } from "./router";
import { SignIn } from "./pages/sign_in";
import { Overview } from "./pages/overview";
import { Deliveries } from "./pages/deliveries";
import { NotificationPage } from "./pages/notification";
import { Customers } from "./pages/customers";
import { CustomerPage } from "./pages/customer";
import { Templates } from "./pages/templates";
import { TemplatePage } from "./pages/template";
import { DeadLetters } from "./pages/dead_letters";
import { PauseBanner } from "./components/pauses";

interface Section {
  path: string;
  label: string;
  needs: string;
}

const kSections: Section[] = [
  { path: "overview", label: "Overview", needs: "Metrics.Scrape" },
  { path: "deliveries", label: "Delivery log", needs: "NotificationService.ListNotifications" },
  { path: "customers", label: "Customers", needs: "ProfileService.GetProfile" },
  { path: "templates", label: "Templates", needs: "TemplateService.ListTemplates" },
  { path: "dead-letters", label: "Dead letters", needs: "DeadLetterService.ListDeadLetters" },
];

export function App() {
  const [signedIn, setSignedIn] = useState(session.caller() !== null);
  const [checking, setChecking] = useState(session.token() !== "" && !signedIn);
  const [problem, setProblem] = useState("");
  const route = useRoute();

  // A token kept from earlier in this tab: ask the server whose it is, once.
  useEffect(() => {
    if (!checking) return;
    api.keys
      .getCaller({})
      .then((who) => {
        session.remember(who);
        setSignedIn(true);
      })
      .catch((error: unknown) => {
        session.signOut();
        setProblem(describeError(error));
      })
      .finally(() => {
        setChecking(false);
      });
  }, [checking]);

  if (checking) return <p class="loading">Checking your sign-in…</p>;
  if (!signedIn) {
    return (
      <SignIn
        problem={problem}
        onSignedIn={() => {
          setProblem("");
          setSignedIn(true);
        }}
      />
    );
  }
  const who = session.caller();
  const sections = kSections.filter((s) => session.may(s.needs));
  const [page = sections[0]?.path ?? "", ...rest] = route.parts;
  return (
    <div class="frame">
      <header class="top">
        <a class="brand" href="#/">
          Herald
        </a>
        <nav aria-label="Sections">
          {sections.map((s) => (
            <a
              key={s.path}
              href={`#/${s.path}`}
              aria-current={page === s.path ? "page" : undefined}
            >
              {s.label}
            </a>
          ))}
        </nav>
        <span class="who" title={who?.principal}>
          {who?.name !== "" ? who?.name : who.principal}
          {who?.seesContactData === false ? " (contact data masked)" : ""}
        </span>
        <button
          type="button"
          class="link"
          onClick={() => {
            session.signOut();
            setSignedIn(false);
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        <PauseBanner />
        <Page page={page} rest={rest} query={route.query} />
      </main>
    </div>
  );
}

function Page({ page, rest, query }: { page: string; rest: string[]; query: URLSearchParams }) {
  const [id] = rest;
  switch (page) {
    case "overview":
      return <Overview />;
    case "deliveries":
      return id !== undefined ? (
        <NotificationPage id={id} />
      ) : (
        <Deliveries key={query.toString()} query={query} />
      );
    case "customers":
      return id !== undefined ? <CustomerPage id={id} /> : <Customers />;
    case "templates":
      return id !== undefined ? <TemplatePage key={id} name={id} /> : <Templates />;
    case "dead-letters":
      return <DeadLetters />;
    case "":
      return <p>This key may not read anything the console shows.</p>;
    default:
      return <p>There is no page “{page}”.</p>;
  }
}
