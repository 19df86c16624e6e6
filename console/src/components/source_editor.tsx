// A Mustache source in CodeMirror: line numbers, undo, {{tags}} highlighted, and the
// server's syntax error marked at its line and column as the editor types. The editor
// owns its text: `value` is where it starts (give it a new key for another text), and
// every edit is reported through onChange.
import { useEffect, useRef } from "preact/hooks";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { StreamLanguage, syntaxHighlighting, HighlightStyle } from "@codemirror/language";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, drawSelection } from "@codemirror/view";
import { tags } from "@lezer/highlight";

/** A problem at a place in the source: line and column from 1, as the server counts. */
export interface SourceProblem {
  line: number;
  column: number;
  message: string;
  severity: "error" | "warning";
}

// {{ ... }} (and {{{ ... }}}) as tags; the rest as text.
const mustache = StreamLanguage.define<{ inTag: boolean }>({
  startState: () => ({ inTag: false }),
  token(stream, state) {
    if (!state.inTag) {
      if (stream.match("{{")) {
        state.inTag = true;
        return "brace";
      }
      while (!stream.eol() && !stream.match("{{", false)) stream.next();
      return null;
    }
    if (stream.match(/^}}}?/)) {
      state.inTag = false;
      return "brace";
    }
    if (stream.match(/^[#^/>!&{]/)) return "keyword";
    stream.next();
    return "variableName";
  },
});

const highlight = HighlightStyle.define([
  { tag: tags.brace, color: "#8250df", fontWeight: "bold" },
  { tag: tags.keyword, color: "#cf222e", fontWeight: "bold" },
  { tag: tags.variableName, color: "#0550ae" },
]);

function toDiagnostics(state: EditorState, problems: SourceProblem[]): Diagnostic[] {
  return problems.map((p) => {
    const line = state.doc.line(Math.min(Math.max(1, p.line), state.doc.lines));
    const from = Math.min(line.from + Math.max(0, p.column - 1), line.to);
    return {
      from,
      to: Math.min(from + 1, line.to),
      severity: p.severity,
      message: p.message,
    };
  });
}

export function SourceEditor({
  label,
  value,
  onChange,
  problems,
  singleLine = false,
  readOnly = false,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  problems: SourceProblem[];
  singleLine?: boolean;
  readOnly?: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    if (box.current === null) return;
    view.current = new EditorView({
      parent: box.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          history(),
          drawSelection(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          mustache,
          syntaxHighlighting(highlight),
          lintGutter(),
          EditorView.lineWrapping,
          EditorState.readOnly.of(readOnly),
          EditorView.editable.of(!readOnly),
          EditorView.contentAttributes.of({ "aria-label": label }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) changed.current(update.state.doc.toString());
          }),
          ...(singleLine
            ? [EditorState.transactionFilter.of((tr) => (tr.newDoc.lines > 1 ? [] : tr))]
            : []),
        ],
      }),
    });
    return () => {
      view.current?.destroy();
      view.current = null;
    };
    // The editor is made once; problems flow in below.
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v === null) return;
    v.dispatch(setDiagnostics(v.state, toDiagnostics(v.state, problems)));
  }, [problems]);

  return (
    <div class="source">
      <span class="source-label">{label}</span>
      <div ref={box} class={singleLine ? "editor single" : "editor"} />
      {problems.map((p, i) => (
        <p
          key={i}
          class={p.severity === "error" ? "error" : "warning"}
          role={p.severity === "error" ? "alert" : undefined}
        >
          {label}, line {p.line}, column {p.column}: {p.message}
        </p>
      ))}
    </div>
  );
}
