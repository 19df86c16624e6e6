// One template: its versions, the one events use (activate an older one to roll back),
// and an editor for every part and locale with the server's syntax errors at their line
// and column as you type, a live preview per locale, and the variables Herald cannot fill.
import { create, type JsonObject } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { useEffect, useMemo, useState } from "preact/hooks";

import { api, describeError } from "../api";
import { Category, Channel } from "../gen/herald/v1/common_pb";
import { Priority, TemplateSchema, type Template } from "../gen/herald/v1/template_pb";
import type { PreviewTemplateResponse } from "../gen/herald/v1/template_service_pb";
import { categoryName, encodingName, href, time } from "../format";
import { session } from "../session";
import { SourceEditor, type SourceProblem } from "../components/source_editor";
import {
  draftContents,
  kParts,
  kSampleData,
  placeProblem,
  withContents,
  type DraftContent,
  type Part,
  type PlacedProblem,
} from "../template_draft";
import { PauseTemplate } from "../components/pauses";

const kCategories = Object.values(Category).filter(
  (v): v is Category => typeof v === "number" && v !== Category.UNSPECIFIED,
);
const kPriorities = Object.values(Priority).filter(
  (v): v is Priority => typeof v === "number" && v !== Priority.UNSPECIFIED,
);
const kEditable = [
  "description",
  "category",
  "event_types",
  "priority",
  "default_locale",
  "contents",
  "max_sms_segments",
];

function blank(): Template {
  return create(TemplateSchema, {
    name: "",
    category: Category.ORDER_UPDATE,
    priority: Priority.NORMAL,
    defaultLocale: "nl",
    contents: [{ locale: "nl", sms: { text: "" } }],
  });
}

export function TemplatePage({ name }: { name: string }) {
  const isNew = name === "new";
  const mayEdit = session.may(
    isNew ? "TemplateService.CreateTemplate" : "TemplateService.UpdateTemplate",
  );
  const [base, setBase] = useState<Template>(blank);
  const [contents, setContents] = useState<DraftContent[]>(() => draftContents(blank()));
  const [selected, setSelected] = useState(0);
  const [latest, setLatest] = useState<bigint>(0n);
  const [shown, setShown] = useState<bigint>(0n);
  const [error, setError] = useState("");
  const [notice, setNotice] = useState("");
  const [warnings, setWarnings] = useState<string[]>([]);
  const [problems, setProblems] = useState<PlacedProblem[]>([]);
  const [previewLocale, setPreviewLocale] = useState("");
  const [dataText, setDataText] = useState(kSampleData);
  // A real customer and a stored event instead of the sample data.
  const [customerId, setCustomerId] = useState("");
  const [eventId, setEventId] = useState("");
  const [preview, setPreview] = useState<PreviewTemplateResponse | null>(null);
  const [previewError, setPreviewError] = useState("");
  const [newLocale, setNewLocale] = useState("");
  const [testChannel, setTestChannel] = useState<Channel>(Channel.EMAIL);
  const [testAddress, setTestAddress] = useState("");
  const [testResult, setTestResult] = useState("");

  const load = (version: bigint) => {
    api.templates
      .getTemplate({ name, version })
      .then((r) => {
        const t = r.template;
        if (t === undefined) return;
        setBase(t);
        setContents(draftContents(t));
        setSelected(0);
        setShown(t.version);
        if (version === 0n) setLatest(t.version);
        setError("");
      })
      .catch((e: unknown) => {
        setError(describeError(e));
      });
  };
  useEffect(() => {
    if (!isNew) load(0n);
  }, [name]);

  const draft = useMemo(() => withContents(base, contents), [base, contents]);

  // The sample data, unless a real customer or event is previewed: then theirs alone.
  const previewData = (): JsonObject =>
    customerId.trim() !== "" || eventId.trim() !== "" ? {} : (JSON.parse(dataText) as JsonObject);

  // The preview follows the draft, a moment after the last keystroke.
  useEffect(() => {
    if (!session.may("TemplateService.PreviewTemplate")) return;
    let data: JsonObject;
    try {
      data = previewData();
    } catch (e) {
      setPreviewError(`The sample data is not JSON: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const timer = setTimeout(() => {
      api.templates
        .previewTemplate({
          source: {
            case: "template",
            value: create(TemplateSchema, { ...draft, name: draft.name || "draft" }),
          },
          data,
          locale: previewLocale,
          customerId: customerId.trim(),
          eventId: eventId.trim(),
        })
        .then((r) => {
          setPreview(r);
          setPreviewError("");
          setProblems(
            r.warnings
              .map((w) => placeProblem(w, "warning"))
              .filter((p): p is PlacedProblem => p !== null),
          );
        })
        .catch((e: unknown) => {
          const message = describeError(e);
          const placed = placeProblem(message, "error");
          setProblems(placed !== null ? [placed] : []);
          setPreview(null);
          setPreviewError(message);
        });
    }, 300);
    return () => {
      clearTimeout(timer);
    };
  }, [draft, dataText, previewLocale, customerId, eventId]);

  const current = contents[selected];
  const problemsOf = (part: Part): SourceProblem[] =>
    problems
      .filter(
        (p) => p.part === part && (p.content === String(selected) || p.content === current?.locale),
      )
      .map((p) => p.problem);

  // From the state as it is when applied: edits come faster than renders.
  const edit = (change: (c: DraftContent) => DraftContent) => {
    setContents((now) => now.map((c, i) => (i === selected ? change(c) : c)));
  };

  const save = async () => {
    setError("");
    setNotice("");
    try {
      const saved = isNew
        ? await api.templates.createTemplate({ template: draft })
        : await api.templates.updateTemplate({
            template: draft,
            updateMask: create(FieldMaskSchema, { paths: kEditable }),
          });
      setWarnings(saved.warnings);
      const t = saved.template;
      if (t === undefined) return;
      if (isNew) {
        window.location.hash = href("templates", t.name);
        return;
      }
      setBase(t);
      setLatest(t.version);
      setShown(t.version);
      setNotice(
        t.version === latest
          ? "Nothing changed: no new version."
          : `Saved as version ${String(t.version)}; events use it from now on.`,
      );
    } catch (e) {
      setError(describeError(e));
    }
  };

  const activate = async () => {
    try {
      const r = await api.templates.activateTemplate({ name, version: shown });
      if (r.template !== undefined) setBase({ ...base, activeVersion: r.template.activeVersion });
      setNotice(`Version ${String(shown)} is the one events use now.`);
    } catch (e) {
      setError(describeError(e));
    }
  };

  const sendTest = async () => {
    setTestResult("");
    try {
      const r = await api.templates.sendTestMessage({
        preview: {
          source: {
            case: "template",
            value: create(TemplateSchema, { ...draft, name: draft.name || "draft" }),
          },
          data: previewData(),
          locale: previewLocale,
          customerId: customerId.trim(),
          eventId: eventId.trim(),
        },
        channel: testChannel,
        address: testAddress.trim(),
      });
      setTestResult(`Sent to ${testAddress.trim()}: ${r.detail}`);
    } catch (e) {
      setTestResult(`Not sent: ${describeError(e)}`);
    }
  };

  const versions: bigint[] = [];
  for (let v = latest; v >= 1n; v--) versions.push(v);

  return (
    <section class="template">
      <h1>{isNew ? "New template" : `Template ${name}`}</h1>
      {!isNew && <PauseTemplate name={name} />}
      {error !== "" && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {notice !== "" && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {!isNew && (
        <div class="versions">
          <label>
            Version
            <select
              value={String(shown)}
              onChange={(e) => {
                load(BigInt(e.currentTarget.value));
              }}
            >
              {versions.map((v) => (
                <option key={String(v)} value={String(v)}>
                  v{String(v)}
                  {v === base.activeVersion ? " (live)" : ""}
                  {v === latest ? " (latest)" : ""}
                </option>
              ))}
            </select>
          </label>
          <span>
            Live: v{String(base.activeVersion)} · updated {time(base.updateTime)}
          </span>
          {session.may("TemplateService.ActivateTemplate") && shown !== base.activeVersion && (
            <button type="button" onClick={() => void activate()}>
              Make v{String(shown)} live
            </button>
          )}
        </div>
      )}
      <div class="metadata filters">
        {isNew && (
          <label>
            Name
            <input
              value={base.name}
              onInput={(e) => {
                setBase({ ...base, name: e.currentTarget.value });
              }}
            />
          </label>
        )}
        <label>
          Category
          <select
            value={base.category}
            disabled={!mayEdit}
            onChange={(e) => {
              setBase({
                ...base,
                category:
                  kCategories.find((c) => String(c) === e.currentTarget.value) ?? base.category,
              });
            }}
          >
            {kCategories.map((c) => (
              <option key={c} value={c}>
                {categoryName(c)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Event types
          <input
            value={base.eventTypes.join(", ")}
            disabled={!mayEdit}
            onChange={(e) => {
              setBase({
                ...base,
                eventTypes: e.currentTarget.value
                  .split(",")
                  .map((s) => s.trim())
                  .filter((s) => s !== ""),
              });
            }}
          />
        </label>
        <label>
          Priority
          <select
            value={base.priority}
            disabled={!mayEdit}
            onChange={(e) => {
              setBase({
                ...base,
                priority:
                  kPriorities.find((p) => String(p) === e.currentTarget.value) ?? base.priority,
              });
            }}
          >
            {kPriorities.map((p) => (
              <option key={p} value={p}>
                {Priority[p]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Default locale
          <input
            value={base.defaultLocale}
            disabled={!mayEdit}
            onInput={(e) => {
              setBase({ ...base, defaultLocale: e.currentTarget.value });
            }}
          />
        </label>
        <label>
          Description
          <input
            value={base.description}
            disabled={!mayEdit}
            onInput={(e) => {
              setBase({ ...base, description: e.currentTarget.value });
            }}
          />
        </label>
      </div>

      <div class="locales" role="tablist" aria-label="Locales">
        {contents.map((c, i) => (
          <button
            key={c.locale + String(i)}
            type="button"
            role="tab"
            aria-selected={i === selected}
            class={i === selected ? "tab selected" : "tab"}
            onClick={() => {
              setSelected(i);
            }}
          >
            {c.locale || "(no locale)"}
          </button>
        ))}
        {mayEdit && (
          <form
            class="add-locale"
            onSubmit={(e) => {
              e.preventDefault();
              if (newLocale.trim() === "") return;
              setContents([
                ...contents,
                {
                  locale: newLocale.trim(),
                  email: false,
                  sms: true,
                  sources: { subject: "", text_body: "", html_body: "", sms: "" },
                },
              ]);
              setSelected(contents.length);
              setNewLocale("");
            }}
          >
            <input
              aria-label="New locale"
              placeholder="en"
              value={newLocale}
              onInput={(e) => {
                setNewLocale(e.currentTarget.value);
              }}
            />
            <button type="submit" class="secondary">
              Add locale
            </button>
          </form>
        )}
      </div>

      {current !== undefined && (
        <div class="content" role="tabpanel">
          <div class="channels">
            {(["email", "sms"] as const).map((channel) => (
              <label key={channel} class="check">
                <input
                  type="checkbox"
                  checked={current[channel]}
                  disabled={!mayEdit}
                  onChange={(e) => {
                    const on = e.currentTarget.checked;
                    edit((c) => ({ ...c, [channel]: on }));
                  }}
                />
                {channel === "email" ? "Email" : "SMS"}
              </label>
            ))}
          </div>
          {kParts
            .filter((p) => current[p.channel])
            .map((p) => (
              <SourceEditor
                key={`${String(selected)}-${p.part}-${String(shown)}`}
                label={`${current.locale} ${p.label}`}
                value={current.sources[p.part]}
                singleLine={p.part === "subject"}
                readOnly={!mayEdit}
                problems={problemsOf(p.part)}
                onChange={(value) => {
                  edit((c) => ({ ...c, sources: { ...c.sources, [p.part]: value } }));
                }}
              />
            ))}
        </div>
      )}

      {mayEdit && (
        <p>
          <button type="button" onClick={() => void save()}>
            {isNew ? "Create" : "Save as new version"}
          </button>
        </p>
      )}
      {warnings.length > 0 && (
        <ul class="warnings" aria-label="Warnings">
          {warnings.map((w, i) => (
            <li key={i} class="warning">
              {w}
            </li>
          ))}
        </ul>
      )}

      {session.may("TemplateService.PreviewTemplate") && (
        <section class="preview" aria-label="Preview">
          <h2>Preview</h2>
          <div class="filters">
            <label>
              Locale
              <select
                value={previewLocale}
                onChange={(e) => {
                  setPreviewLocale(e.currentTarget.value);
                }}
              >
                <option value="">default ({base.defaultLocale})</option>
                {contents.map((c) => (
                  <option key={c.locale} value={c.locale}>
                    {c.locale}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Customer
              <input
                value={customerId}
                placeholder="a customer id"
                onInput={(e) => {
                  setCustomerId(e.currentTarget.value);
                }}
              />
            </label>
            <label>
              Event
              <input
                value={eventId}
                placeholder="a stored event id"
                onInput={(e) => {
                  setEventId(e.currentTarget.value);
                }}
              />
            </label>
          </div>
          <details>
            <summary>
              Sample data
              {(customerId.trim() !== "" || eventId.trim() !== "") &&
                " (not used: the customer's and event's own data are)"}
            </summary>
            <textarea
              aria-label="Sample data (JSON)"
              rows={8}
              value={dataText}
              onInput={(e) => {
                setDataText(e.currentTarget.value);
              }}
            />
          </details>
          {previewError !== "" && (
            <p class="error" role="alert">
              {previewError}
            </p>
          )}
          {session.may("TemplateService.SendTestMessage") && (
            <form
              class="filters test-send"
              onSubmit={(e) => {
                e.preventDefault();
                void sendTest();
              }}
            >
              <label>
                Test on
                <select
                  value={testChannel}
                  onChange={(e) => {
                    setTestChannel(
                      e.currentTarget.value === String(Channel.SMS) ? Channel.SMS : Channel.EMAIL,
                    );
                  }}
                >
                  <option value={Channel.EMAIL}>Email</option>
                  <option value={Channel.SMS}>SMS</option>
                </select>
              </label>
              <label>
                To
                <input
                  value={testAddress}
                  placeholder={testChannel === Channel.SMS ? "+31612345678" : "me@bank.example"}
                  onInput={(e) => {
                    setTestAddress(e.currentTarget.value);
                  }}
                />
              </label>
              <button type="submit" class="secondary">
                Send test
              </button>
              {testResult !== "" && (
                <p role="status" class={testResult.startsWith("Sent") ? "notice" : "error"}>
                  {testResult}
                </p>
              )}
            </form>
          )}
          {preview !== null && (
            <div class="rendered">
              <p class="note">Rendered in {preview.locale}.</p>
              {preview.email !== undefined && (
                <article class="message">
                  <h3>{Channel[Channel.EMAIL]}</h3>
                  <p>
                    <strong>Subject:</strong> <span class="subject">{preview.email.subject}</span>
                  </p>
                  {preview.email.htmlBody !== "" && (
                    <iframe
                      class="email-html"
                      title="Email HTML preview"
                      sandbox=""
                      srcdoc={preview.email.htmlBody}
                    />
                  )}
                  <pre class="email-text">{preview.email.textBody}</pre>
                </article>
              )}
              {preview.sms !== undefined && (
                <article class="message">
                  <h3>{Channel[Channel.SMS]}</h3>
                  <pre class="sms">{preview.sms.text}</pre>
                  <p class="sms-size">
                    {encodingName(preview.sms.encoding)}, {preview.sms.units} units,{" "}
                    {preview.sms.segments} segment
                    {preview.sms.segments === 1 ? "" : "s"} (at most {preview.sms.maxSegments})
                  </p>
                </article>
              )}
            </div>
          )}
        </section>
      )}
    </section>
  );
}
