// A template being edited, and where the server's problems with it belong: each Mustache
// source is one editor, named by locale and part.
import { create } from "@bufbuild/protobuf";

import {
  EmailContentSchema,
  LocalizedContentSchema,
  SmsContentSchema,
  TemplateSchema,
  type Template,
} from "./gen/herald/v1/template_pb";
import type { SourceProblem } from "./components/source_editor";

export type Part = "subject" | "text_body" | "html_body" | "sms";

export const kParts: { part: Part; label: string; channel: "email" | "sms" }[] = [
  { part: "subject", label: "Email subject", channel: "email" },
  { part: "text_body", label: "Email text", channel: "email" },
  { part: "html_body", label: "Email HTML", channel: "email" },
  { part: "sms", label: "SMS", channel: "sms" },
];

export interface DraftContent {
  locale: string;
  email: boolean;
  sms: boolean;
  sources: Record<Part, string>;
}

export function draftContents(t: Template): DraftContent[] {
  return t.contents.map((c) => ({
    locale: c.locale,
    email: c.email !== undefined,
    sms: c.sms !== undefined,
    sources: {
      subject: c.email?.subject ?? "",
      text_body: c.email?.textBody ?? "",
      html_body: c.email?.htmlBody ?? "",
      sms: c.sms?.text ?? "",
    },
  }));
}

/** The template as the API takes it: `base` with these contents. */
export function withContents(base: Template, contents: DraftContent[]): Template {
  return create(TemplateSchema, {
    ...base,
    contents: contents.map((c) =>
      create(LocalizedContentSchema, {
        locale: c.locale,
        ...(c.email
          ? {
              email: create(EmailContentSchema, {
                subject: c.sources.subject,
                textBody: c.sources.text_body,
                htmlBody: c.sources.html_body,
              }),
            }
          : {}),
        ...(c.sms ? { sms: create(SmsContentSchema, { text: c.sources.sms }) } : {}),
      }),
    ),
  });
}

/** A problem the server named in one source: which content (by index or locale) and part. */
export interface PlacedProblem {
  content: string; // index ("0") or locale ("nl")
  part: Part;
  problem: SourceProblem;
}

const kField = /contents\[([^\]]+)\]\.(email\.(subject|text_body|html_body)|sms\.text)/;
const kPlace = /line (\d+), column (\d+): (.*)$/;

/**
 * Where a message such as "template.contents[0].email.html_body: Mustache syntax: line 2,
 * column 5: ..." or a warning "contents[nl].sms.text line 1, column 8: {{x}}: ..." points;
 * null when it names no source.
 */
export function placeProblem(message: string, severity: "error" | "warning"): PlacedProblem | null {
  const field = kField.exec(message);
  const place = kPlace.exec(message);
  if (field === null || place === null) return null;
  const part: Part = field[2] === "sms.text" ? "sms" : (field[3] as Part);
  return {
    content: field[1] ?? "",
    part,
    problem: {
      line: Number(place[1]),
      column: Number(place[2]),
      message: place[3] ?? message,
      severity,
    },
  };
}

/** Sample data for a preview: what an event of the template's kind would give. */
export const kSampleData = `{
  "customer": {"id": "anna", "name": "Anna de Vries", "email": "anna@example.nl", "locale": "nl-NL"},
  "event": {"id": "ord-1001-shipped", "type": "order.shipped", "source": "webshop"},
  "order": {"order_id": "1001", "carrier": "PostNL", "tracking_url": "https://track.example/1001"}
}`;
