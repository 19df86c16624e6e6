// Every template: its category, the events that trigger it, and which version is live.
import { useEffect, useState } from "preact/hooks";

import { api, describeError } from "../api";
import type { Template } from "../gen/herald/v1/template_pb";
import { categoryName, href, time } from "../format";
import { session } from "../session";

export function Templates() {
  const [templates, setTemplates] = useState<Template[]>([]);
  const [error, setError] = useState("");

  useEffect(() => {
    api.templates
      .listTemplates({ pageSize: 1000 })
      .then((r) => {
        setTemplates(r.templates);
      })
      .catch((e: unknown) => {
        setError(describeError(e));
      });
  }, []);

  return (
    <section>
      <h1>Templates</h1>
      {session.may("TemplateService.CreateTemplate") && (
        <p>
          <a class="button" href={href("templates", "new")}>
            New template
          </a>
        </p>
      )}
      {error !== "" && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Category</th>
            <th scope="col">Events</th>
            <th scope="col">Locales</th>
            <th scope="col">Live version</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {templates.map((t) => (
            <tr key={t.name}>
              <td>
                <a href={href("templates", t.name)}>{t.name}</a>
              </td>
              <td>{categoryName(t.category)}</td>
              <td>{t.eventTypes.join(", ")}</td>
              <td>{t.contents.map((c) => c.locale).join(", ")}</td>
              <td>
                v{String(t.activeVersion)}
                {t.activeVersion !== t.version && ` (latest v${String(t.version)})`}
              </td>
              <td>{time(t.updateTime)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
